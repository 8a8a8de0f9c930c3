package stream

import (
	"errors"
	"testing"
)

// The error stream decides how a session ended: the remote exit code must
// come through as *ExitError, anything else as the server's message.
func TestStatusError(t *testing.T) {
	t.Parallel()
	exit3 := `{"status":"Failure","message":"command terminated with non-zero exit code: 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`
	var ee *ExitError
	if err := statusError(protoV4, []byte(exit3)); !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("non-zero exit: got %v, want exit code 3", err)
	}
	if err := statusError(protoV4, []byte(`{"status":"Success"}`)); err != nil {
		t.Errorf("Success: got %v, want success", err)
	}
	// F4: from v4 on, silence is a dropped connection, not success.
	for _, p := range []string{protoV4, protoV5} {
		if err := statusError(p, nil); !errors.Is(err, errNoStatus) {
			t.Errorf("%s, empty error stream: got %v, want errNoStatus", p, err)
		}
	}
	if err := statusError(protoV3, nil); err != nil {
		t.Errorf("v3, empty error stream: got %v, want success (v3 says success with silence)", err)
	}
	if err := statusError(protoV4, []byte(`{"status":"Failure","message":"Internal error occurred: boom"}`)); err == nil || err.Error() != "Internal error occurred: boom" {
		t.Errorf("failure: got %v, want the server's message", err)
	}
	if err := statusError(protoV3, []byte("plain text")); err == nil || err.Error() != "plain text" {
		t.Errorf("v3: got %v, want the text as the error", err)
	}
	if err := statusError(protoV4, []byte(`{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"x"}]}}`)); err == nil || errors.As(err, &ee) && ee.Code == 0 {
		t.Errorf("garbled exit code: got %v, want an error that is not exit 0", err)
	}
}

func TestParsePortSpec(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]forwardedPort{"80": {80, 80}, ":8080": {0, 8080}, "0:9090": {0, 9090}, "8000:80": {8000, 80}} {
		if got, err := parsePortSpec(spec); err != nil || got != want {
			t.Errorf("%q: got %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, bad := range []string{"http", "1:2:3", "8080:0", "70000", "-1:80", ""} {
		if _, err := parsePortSpec(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}
