// Command dynupd-analyze answers, for every change in a git history, whether
// it could have been applied to the running program without a restart.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
)

// exitError carries an exit code other than 2 (check uses 1).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// defaultMemoryLimit bounds the heap softly (the GC works harder near it)
// unless GOMEMLIMIT says otherwise: caches have budgets, but garbage from
// parsing whole histories would otherwise double the resident size.
const defaultMemoryLimit = 1 << 30

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmd := newRootCmd()
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, ee.msg)
		}
		os.Exit(ee.code)
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintf(os.Stderr, "dynupd-analyze: %s\n", msg)
	os.Exit(2)
}
