package audit

import (
	"context"
	"sync"

	"github.com/mailprov/mailprov/headers"
)

// Item is one message to audit in a batch, or the error that kept it from
// loading.
type Item struct {
	Message *headers.Message
	Err     error
}

// Outcome is the result for one Item, in the order the items came.
type Outcome struct {
	Report *Report
	Err    error
}

// Run audits the items from in with up to workers concurrent audits
// (at least 1) and delivers the outcomes to out in input order, so output
// stays deterministic while DNS lookups overlap. It returns when in is
// closed and every outcome has been delivered, or when ctx ends.
func (a *Auditor) Run(ctx context.Context, workers int, in <-chan Item, out func(Outcome) error) error {
	if workers < 1 {
		workers = 1
	}
	type job struct {
		item Item
		done chan Outcome
	}
	jobs := make(chan job)
	order := make(chan chan Outcome, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if j.item.Err != nil {
					j.done <- Outcome{Err: j.item.Err}
					continue
				}
				j.done <- Outcome{Report: a.Audit(ctx, j.item.Message)}
			}
		}()
	}
	// Feed jobs, remembering their order.
	go func() {
		defer close(order)
		defer close(jobs)
		for {
			select {
			case <-ctx.Done():
				return
			case it, ok := <-in:
				if !ok {
					return
				}
				done := make(chan Outcome, 1)
				select {
				case order <- done:
				case <-ctx.Done():
					return
				}
				select {
				case jobs <- job{item: it, done: done}:
				case <-ctx.Done():
					done <- Outcome{Err: ctx.Err()}
					return
				}
			}
		}
	}()
	var firstErr error
	for done := range order {
		o := <-done
		if firstErr == nil {
			firstErr = out(o)
		}
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
