package ukgsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testStart = "2025-06-02"

// newTestSim builds a Sim (small workforce unless cfg says otherwise) behind
// a real HTTP server, both closed when the test ends.
func newTestSim(t testing.TB, cfg Config) (*Sim, *httptest.Server) {
	t.Helper()
	if cfg.Employees == 0 {
		cfg.Employees = 300
	}
	if cfg.Start == "" {
		cfg.Start = testStart
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		srv.Close()
	})
	return s, srv
}

type resp struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// get sends an authenticated GET with the default credentials.
func get(t testing.TB, srv *httptest.Server, path string) resp {
	t.Helper()
	return do(t, srv, path, func(r *http.Request) {
		r.SetBasicAuth("svc-demo", "demo-password")
		r.Header.Set("US-Customer-Api-Key", "DEMO-KEY")
	})
}

func do(t testing.TB, srv *httptest.Server, path string, prep func(*http.Request)) resp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	prep(req)
	res, err := srv.Client().Do(req)
	if err != nil {
		return resp{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b, err: err}
}

// records decodes a 200 array page.
func records(t testing.TB, r resp) []map[string]any {
	t.Helper()
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("want 200 page, got status %d err %v body %.300s", r.status, r.err, r.body)
	}
	var out []map[string]any
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("decode page: %v: %.300s", err, r.body)
	}
	return out
}

// pageAll pages through path (which must not carry page/per_page) with
// perPage rows per page until a short page, an empty page or a 404.
func pageAll(t testing.TB, srv *httptest.Server, path string, perPage int) []map[string]any {
	t.Helper()
	sep := "?"
	if u, _ := url.Parse(path); u.RawQuery != "" {
		sep = "&"
	}
	var all []map[string]any
	for page := 1; ; page++ {
		r := get(t, srv, path+sep+"page="+itoa(page)+"&per_Page="+itoa(perPage))
		if r.status == http.StatusNotFound && page > 1 {
			return all
		}
		recs := records(t, r)
		all = append(all, recs...)
		if len(recs) < perPage {
			return all
		}
	}
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

func postJSON(t testing.TB, srv *httptest.Server, path, body string) resp {
	t.Helper()
	res, err := srv.Client().Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b, err: err}
}

func key(rec map[string]any, co, emp string) string { return str(rec[co]) + "/" + str(rec[emp]) }

func str(v any) string {
	s, _ := v.(string)
	return s
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
