package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/probe"
)

func TestCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Write([]byte("ok\n"))
		case "/readyz":
			http.Error(w, "not ready: joining group\nmore", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name, url, want string // want: "" for success, else a substring of the error
	}{
		{"healthy", srv.URL + "/healthz", ""},
		{"not ready says why", srv.URL + "/readyz", "503 Service Unavailable: not ready: joining group"},
		{"unknown path", srv.URL + "/nope", "404"},
		{"nothing listening", closed.URL + "/healthz", "connect"},
		{"relative", "/healthz", "absolute http://"},
		{"https refused", "https://127.0.0.1:1/healthz", "absolute http://"},
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := probe.Check(context.Background(), client, tt.url)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Check = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
