package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// simEndpoints maps the simulator's endpoints to our topics.
var simEndpoints = map[string]string{
	"employee-employment-details":  "employees",
	"person-details":               "people",
	"compensation-details":         "compensation",
	"employee-job-history-details": "job-history",
}

// fetchAll pages through one endpoint over HTTP as the extractor would.
func fetchAll(t *testing.T, srv *httptest.Server, endpoint string) []json.RawMessage {
	t.Helper()
	var all []json.RawMessage
	const perPage = 500
	for page := 1; ; page++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		url := fmt.Sprintf("%s/personnel/v1/%s?page=%d&per_Page=%d", srv.URL, endpoint, page, perPage)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("svc-demo", "demo-password")
		req.Header.Set("US-Customer-Api-Key", "DEMO-KEY")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(body, &rows); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		all = append(all, rows...)
		if len(rows) < perPage {
			return all
		}
	}
}

// Every record the simulator serves, on every endpoint we archive, for
// several seeds and after simulated time with hires, terminations, transfers
// and raises, validates with the library and converts with the fast path.
// Keys the simulator sends that the schema does not declare (allowed: they
// survive in _raw) and declared fields it never sends are logged.
func TestSimulatorRecordsValidateAndConvert(t *testing.T) {
	seeds := []uint64{1, 2, 42}
	if testing.Short() {
		seeds = seeds[:1]
	}
	reg := registry(t)
	undeclared := map[string]map[string]bool{}
	unsent := map[string]map[string]bool{}
	for _, seed := range seeds {
		sim, err := ukgsim.New(ukgsim.Config{Employees: 400, Seed: seed, Start: "2024-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sim)
		for round := 0; round < 2; round++ {
			if round == 1 {
				if _, err := sim.Advance(180); err != nil {
					t.Fatal(err)
				}
			}
			for endpoint, topicName := range simEndpoints {
				s := reg.Topic(topicName)
				if unsent[topicName] == nil {
					unsent[topicName] = map[string]bool{}
					for i := range s.props {
						unsent[topicName][s.props[i].name] = true
					}
					undeclared[topicName] = map[string]bool{}
				}
				b := NewBatch(s, nil)
				rows := fetchAll(t, srv, endpoint)
				if len(rows) < 400 {
					t.Fatalf("seed %d %s: only %d rows", seed, endpoint, len(rows))
				}
				for _, raw := range rows {
					var m map[string]any
					_ = json.Unmarshal(raw, &m)
					key := fmt.Sprint(m[s.KeyFields.Company], "/", m[s.KeyFields.Employee])
					if err := s.Validate(raw); err != nil {
						t.Errorf("seed %d %s %s: library: %v", seed, endpoint, key, err)
						continue
					}
					if err := b.Append(raw, Meta{Topic: "ukgpro." + topicName, Key: []byte(key)}); err != nil {
						t.Errorf("seed %d %s: fast path: %v", seed, endpoint, err)
					}
					for k := range m {
						delete(unsent[topicName], k)
						if s.Field(k) == nil {
							undeclared[topicName][k] = true
						}
					}
				}
				rec := b.NewRecord()
				if int(rec.NumRows()) != len(rows) {
					t.Errorf("seed %d %s: %d rows converted of %d", seed, endpoint, rec.NumRows(), len(rows))
				}
				rec.Release()
				b.Release()
			}
		}
		srv.Close()
		sim.Close()
	}
	for _, n := range sortedKeys(undeclared) {
		if len(undeclared[n]) > 0 {
			t.Logf("%s: simulator keys not in the schema (kept in _raw): %v", n, sortedKeys(undeclared[n]))
		}
		if u := sortedKeys(unsent[n]); len(u) > 0 {
			sort.Strings(u)
			t.Logf("%s: schema fields the simulator never sent: %v", n, u)
		}
	}
}
