package ops

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestEndpoints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(slog.New(slog.DiscardHandler))
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "ukgpro_test_total", Help: "test"})
	s.Registry.MustRegister(c)
	c.Add(3)
	if err := s.Listen(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + s.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "starting") {
		t.Fatalf("/readyz before ready = %d %q", code, body)
	}
	s.SetReady(true, "")
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("/readyz after SetReady = %d", code)
	}
	if _, body := get("/metrics"); !strings.Contains(body, "ukgpro_test_total 3") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics lacks the registered counter or Go collector:\n%.500s", body)
	}
	if code, body := get("/debug/pprof/heap?debug=1"); code != 200 || !strings.Contains(body, "heap profile") {
		t.Fatalf("/debug/pprof/heap = %d %.200q", code, body)
	}
}
