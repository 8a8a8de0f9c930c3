package streaming

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// crictlEventsWords: crictl's events checks -o and --template before it
// connects, in its own words, which its suite matches on. (crictl's events
// also refuses -o table, exit 1, where ours would stream lines: its -o list
// is crictl's, declared with the command.)
func crictlEventsWords(err error) error {
	var fe *printer.FormatError
	var te *printer.TemplateError
	switch {
	case errors.As(err, &fe):
		return fmt.Errorf("don't support %q format: use one of %s", fe.Format, strings.Join(fe.Allowed, ", "))
	case errors.As(err, &te) && te.Format == printer.GoTemplate:
		return fmt.Errorf("failed to parse go-template: %w", te.Err)
	}
	return err
}
