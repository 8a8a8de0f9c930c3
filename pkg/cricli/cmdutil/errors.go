package cmdutil

import (
	"errors"
	"fmt"

	"github.com/ctrcri/ctrcri/pkg/cricli/urfavex"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Exit codes of every ctr cri command.
const (
	ExitOK          = 0
	ExitFailed      = 1 // the operation failed, or some targets did
	ExitUsage       = 2 // unknown flag, wrong arguments, bad flag value
	ExitUnreachable = 3 // runtime unreachable or not serving CRI v1
)

// UsageError is a command line the user must correct.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf is a UsageError with a formatted message.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCoder is an error that carries its own exit code (exec passes the
// remote command's, diagnose its verdict).
type ExitCoder interface {
	error
	ExitCode() int
}

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ec ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	var ue *UsageError
	var fe *printer.FormatError
	var te *printer.TemplateError
	if errors.As(err, &ue) || errors.As(err, &fe) || errors.As(err, &te) {
		return ExitUsage
	}
	// A joined error is as bad as its worst part: unreachable beats failed.
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		code := ExitOK
		for _, e := range j.Unwrap() {
			if c := ExitCode(e); c == ExitUnreachable || code == ExitOK {
				code = c
			}
		}
		return code
	}
	switch runtime.KindOf(err) {
	case runtime.KindUnreachable, runtime.KindNotServed, runtime.KindDeadline:
		return ExitUnreachable
	case runtime.KindInvalid:
		return ExitUsage
	}
	return ExitFailed
}

// ErrorLines flattens an error into the lines printed on stderr: one per
// failed target of a multi-target command, one otherwise.
func ErrorLines(err error) []string {
	if err == nil {
		return nil
	}
	var ec ExitCoder
	if errors.As(err, &ec) && err.Error() == "" {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, ErrorLines(e)...)
		}
		return lines
	}
	return []string{err.Error()}
}

// FlagUsageError turns a flag-parsing failure into a UsageError whose text
// speaks of the flag as the user typed it, without Go's parser internals:
// urfave/cli says `invalid value "abc" for flag -cpu-quota: strconv.ParseInt:
// parsing "abc": invalid syntax`, and repeats itself around our validators'
// own complete messages.
func FlagUsageError(err error) error {
	return &UsageError{Err: urfavex.TidyFlagError(err)}
}
