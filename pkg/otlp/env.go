package otlp

import (
	"crypto/tls"
	"crypto/x509"
	"net/url"
	"strings"
)

// Options are how an Exporter reaches its collector beyond the endpoint.
type Options struct {
	// Headers go with every export as gRPC metadata.
	Headers map[string]string
	// TLS secures the connection when set; without it, plain text.
	TLS *tls.Config
}

// FromEnv reads the OTEL_EXPORTER_OTLP_* variables that the upstream
// exporter reads and crictl's flags do not override (its endpoint,
// insecure and timeout options win over the environment): HEADERS, and
// CERTIFICATE or CLIENT_CERTIFICATE with CLIENT_KEY, which turn TLS on.
// Each OTEL_EXPORTER_OTLP_TRACES_* variant replaces the general one. As
// upstream, a malformed header pair or unreadable file is skipped.
// COMPRESSION is not read: spans go uncompressed, which every collector
// takes.
func FromEnv(getenv func(string) string, readFile func(string) ([]byte, error)) Options {
	var o Options
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		if h := strings.TrimSpace(getenv(name)); h != "" {
			o.Headers = parseHeaders(h)
		}
	}
	// The general variables, then the traces ones, each replacing what
	// came before only when its files load.
	var conf tls.Config
	for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_"} {
		env := func(name string) string { return strings.TrimSpace(getenv(prefix + name)) }
		if f := env("CERTIFICATE"); f != "" {
			if pem, err := readFile(f); err == nil {
				if pool := x509.NewCertPool(); pool.AppendCertsFromPEM(pem) {
					conf.RootCAs = pool
				}
			}
		}
		if cert, key := env("CLIENT_CERTIFICATE"), env("CLIENT_KEY"); cert != "" && key != "" {
			if pair, ok := loadPair(cert, key, readFile); ok {
				conf.Certificates = []tls.Certificate{pair}
			}
		}
	}
	if conf.RootCAs != nil || len(conf.Certificates) > 0 {
		o.TLS = &conf
	}
	return o
}

func loadPair(certFile, keyFile string, readFile func(string) ([]byte, error)) (tls.Certificate, bool) {
	cert, err := readFile(certFile)
	if err != nil {
		return tls.Certificate{}, false
	}
	key, err := readFile(keyFile)
	if err != nil {
		return tls.Certificate{}, false
	}
	pair, err := tls.X509KeyPair(cert, key)
	return pair, err == nil
}

// parseHeaders reads "k1=v1,k2=v2" (W3C baggage-like): keys are HTTP
// tokens, values are percent-decoded; both are trimmed.
func parseHeaders(s string) map[string]string {
	h := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if !isToken(k) {
			continue
		}
		v, err := url.PathUnescape(v)
		if err != nil {
			continue
		}
		h[k] = strings.TrimSpace(v)
	}
	return h
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
