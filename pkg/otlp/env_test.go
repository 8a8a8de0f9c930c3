package otlp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"maps"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, read as the upstream exporter
// reads it.
func TestHeadersFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want map[string]string
	}{
		{map[string]string{}, nil},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "  "}, nil},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": " api-key = s3cr%20t ,x=1"}, map[string]string{"api-key": "s3cr t", "x": "1"}},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "noequals,bad key=1,é=2,k=%zz,ok=a=b,e="}, map[string]string{"ok": "a=b", "e": ""}},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,b=2", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "c=3"}, map[string]string{"c": "3"}},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "c=3"}, map[string]string{"c": "3"}},
	} {
		got := FromEnv(envOf(tc.env), os.ReadFile)
		if !maps.Equal(got.Headers, tc.want) || (got.Headers == nil) != (tc.want == nil) || got.TLS != nil {
			t.Errorf("%v: headers %v, TLS %v; want %v", tc.env, got.Headers, got.TLS != nil, tc.want)
		}
	}
}

// The headers go with each export.
func TestHeadersReachTheCollector(t *testing.T) {
	c, addr := startCollector(t)
	e := newExporter(t, addr, 10*time.Second, Options{Headers: map[string]string{"Api-Key": "s3cret"}})
	spans, _ := fixture(t)
	if err := e.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if got := c.md[0].Get("api-key"); len(got) != 1 || got[0] != "s3cret" {
		t.Errorf("api-key metadata %q", got)
	}
}

// selfSigned writes a certificate for 127.0.0.1, usable by a server and a
// client, and its key, as PEM files in dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pair tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "collector"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if pair, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pair
}

// A collector that wants TLS and a client certificate is reached when
// the environment gives the CA and the client's pair, as with the
// upstream exporter, and not in plain text.
func TestTLSFromEnv(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pair := selfSigned(t, dir)
	pool := x509.NewCertPool()
	pool.AddCert(pair.Leaf)
	_, addr := startCollector(t, grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	})))
	spans, _ := fixture(t)
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"plain text", map[string]string{}, false},
		{"CA only", map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": certFile}, false},
		{"CA and client pair", map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": certFile,
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": certFile, "OTEL_EXPORTER_OTLP_CLIENT_KEY": keyFile}, true},
		{"traces variants", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": certFile,
			"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE": certFile, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY": keyFile}, true},
		{"an unreadable traces file keeps the general one", map[string]string{
			"OTEL_EXPORTER_OTLP_CERTIFICATE": certFile, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": missing,
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": certFile, "OTEL_EXPORTER_OTLP_CLIENT_KEY": keyFile,
			"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE": missing, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY": keyFile}, true},
		{"a client certificate without its key", map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": certFile,
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": certFile}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newExporter(t, addr, 5*time.Second, FromEnv(envOf(tc.env), os.ReadFile))
			if err := e.ExportSpans(context.Background(), spans); (err == nil) != tc.ok {
				t.Errorf("export: %v", err)
			}
		})
	}
}
