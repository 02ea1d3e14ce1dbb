package main

import (
	"context"
	"encoding/json"
	"flag"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/headers"
)

func cmdParse(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON (JSON Lines for an mbox)")
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitBadInput
	}
	if len(files) == 0 {
		return usageErr(e, fs, "no FILE given (\"-\" reads standard input)")
	}
	ch := make(chan audit.Item)
	go messages(ctx, e, files, ch)
	code := exitOK
	for it := range ch {
		if it.Err != nil {
			reportErr(e, it.Err)
			code = exitBadInput
			continue
		}
		r := audit.Parse(it.Message, audit.ParseOptions{})
		if err := emit(e, r, *asJSON, it.Message.Source.Kind == headers.SourceMbox); err != nil {
			reportErr(e, err)
			return exitBadInput
		}
	}
	return code
}

// emit prints one report: indented JSON, a JSON line (mbox), or text.
func emit(e *env, r *audit.Report, asJSON, lines bool) error {
	if !asJSON {
		return audit.WriteText(e.stdout, r, audit.TextOptions{Color: useColor(e.stdout)})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if !lines {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(r)
}
