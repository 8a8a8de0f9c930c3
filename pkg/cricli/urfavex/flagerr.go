package urfavex

import (
	"errors"
	"fmt"
	"strings"
)

// TidyFlagError rewords urfave/cli's flag value errors as the user typed the
// flag.
func TidyFlagError(err error) error {
	value, name, cause, ok := splitFlagValueError(err)
	if !ok {
		return err
	}
	if isValidatorCause(cause) {
		return errors.New(cause) // a validator's message already names flag and value
	}
	dashes := "--"
	if len(name) == 1 {
		dashes = "-"
	}
	switch {
	case strings.Contains(cause, "strconv.ParseInt"), strings.Contains(cause, "strconv.ParseUint"):
		if strings.HasSuffix(cause, "value out of range") {
			cause = "out of range"
		} else {
			cause = "want a whole number"
		}
	case strings.Contains(cause, "strconv.ParseFloat"):
		cause = "want a number"
	case strings.HasPrefix(cause, "time: "):
		cause = "want a duration such as 500ms, 2s or 1m30s"
	case cause == "parse error":
		cause = "want true or false"
	}
	return fmt.Errorf("invalid value %s for %s%s: %s", value, dashes, name, cause)
}

// splitFlagValueError takes urfave/cli's `invalid value "V" for flag -N:
// CAUSE` apart.
func splitFlagValueError(err error) (value, name, cause string, ok bool) {
	rest, ok := strings.CutPrefix(err.Error(), "invalid value ")
	if !ok {
		return "", "", "", false
	}
	value, after, ok := strings.Cut(rest, " for flag -")
	if !ok {
		return "", "", "", false
	}
	name, cause, ok = strings.Cut(after, ": ")
	return value, name, cause, ok
}

// isValidatorCause: the cause is one of our flag validators' messages
// (`invalid --state "x": use one of …`), not the parser's.
func isValidatorCause(cause string) bool { return strings.HasPrefix(cause, "invalid -") }

// IsValidatorError reports whether a flag error comes from one of our
// validators, which crictl runs in its Action, after parsing.
func IsValidatorError(err error) bool {
	_, _, cause, ok := splitFlagValueError(err)
	return ok && isValidatorCause(cause)
}
