package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/headers"
)

// parseFlags parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// messages streams every message of every input into ch, one Item per
// message or per unreadable input, then closes ch.
func messages(ctx context.Context, e *env, names []string, ch chan<- audit.Item) {
	defer close(ch)
	send := func(it audit.Item) bool {
		select {
		case ch <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, name := range names {
		var r io.Reader
		var f *os.File
		if name == "-" {
			r = e.stdin
		} else {
			var err error
			f, err = os.Open(name)
			if err != nil {
				if !send(audit.Item{Err: err}) {
					return
				}
				continue
			}
			r = f
		}
		rd := headers.NewReader(r, name)
		for {
			m, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				send(audit.Item{Err: err})
				break
			}
			if !send(audit.Item{Message: m}) {
				break
			}
		}
		if f != nil {
			f.Close()
		}
	}
}

// useColor reports whether output to w should be coloured: a terminal,
// and no NO_COLOR with a value (https://no-color.org: an empty NO_COLOR
// does not count).
func useColor(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

// usageErr reports a usage error of the command fs parses, and where to
// find its flags; it returns the exit status for bad usage.
func usageErr(e *env, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "mailprov %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fmt.Fprintf(e.stderr, "Run \"mailprov %s -h\" for its flags.\n", fs.Name())
	return exitBadInput
}

func reportErr(e *env, err error) {
	fmt.Fprintf(e.stderr, "mailprov: %v\n", strings.TrimPrefix(err.Error(), "headers: "))
}
