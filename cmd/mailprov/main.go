// Command mailprov answers, for an email, who really sent it, by what
// path, and whether the proof still holds.
//
// Usage:
//
//	mailprov parse [--json] FILE|-...
//	mailprov audit [--json | --authres AUTHSERV-ID] [--at RFC3339|unix|message]
//	               [--dns HOST[:PORT]]... [--dns-timeout D] [--record FILE | --snapshot FILE]
//	               [--trusted HOST]... [--workers N] [--timeout D] FILE|-...
//	mailprov spf   [--json] [--dns HOST[:PORT]]... [--dns-timeout D] --ip IP
//	               --mail-from ADDR [--helo NAME] [--receiver HOST]
//
// FILE is a raw RFC 5322 message, an mbox file, or a Patchwork API patch
// object (JSON); the kind is detected from the content. "-" reads
// standard input.
//
// Exit status: 0 when every message is authentic (parse: every input was
// read), 1 when at least one is not, 2 for bad usage or unreadable input.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit codes.
const (
	exitOK       = 0
	exitNotAuth  = 1
	exitBadInput = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: testable end to end.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitBadInput
	}
	env := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	switch args[0] {
	case "parse":
		return cmdParse(ctx, env, args[1:])
	case "audit":
		return cmdAudit(ctx, env, args[1:])
	case "spf":
		return cmdSPF(ctx, env, args[1:])
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "mailprov: unknown command %q\n", args[0])
	usage(stderr)
	return exitBadInput
}

type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  mailprov parse [--json] FILE|-...
  mailprov audit [--json | --authres AUTHSERV-ID] [--at RFC3339|unix|message]
                 [--dns HOST[:PORT]]... [--dns-timeout D] [--record FILE | --snapshot FILE]
                 [--trusted HOST]... [--workers N] [--timeout D] FILE|-...
  mailprov spf   [--json] [--dns HOST[:PORT]]... [--dns-timeout D] --ip IP
                 --mail-from ADDR [--helo NAME] [--receiver HOST]

FILE is a raw message, an mbox, or a Patchwork API patch (JSON); "-" is stdin.
--json prints the full report as JSON; --authres prints only an
Authentication-Results field per message; the two exclude each other.
Run "mailprov COMMAND -h" for the flags of a command.
`)
}
