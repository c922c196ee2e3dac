package ukgpro

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

func TestConfigFromEnvironment(t *testing.T) {
	var cfg Config
	err := envconf.Parse(t.Context(), "test", &cfg, nil, envconfig.MapLookuper(map[string]string{
		"UKG_BASE_URL":         "https://service4.ultipro.com/prefix",
		"UKG_USERNAME":         "svc",
		"UKG_PASSWORD":         "p",
		"UKG_CUSTOMER_API_KEY": "k",
		"UKG_TENANT_TZ":        "America/Chicago",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PerPage != 200 || cfg.Concurrency != 4 || cfg.RequestTimeout != 60*time.Second ||
		cfg.RateLimit != 10 || cfg.MaxRetries != 8 {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	if cfg.Location() == nil || cfg.Location().String() != "America/Chicago" {
		t.Errorf("Location() = %v", cfg.Location())
	}
}

func TestConfigValidateNamesTheVariable(t *testing.T) {
	ok := testConfig("https://service4.ultipro.com")
	tests := []struct {
		name    string
		mut     func(*Config)
		want    string
		notWant string
	}{
		{"missing base url", func(c *Config) { c.BaseURL = "" }, "UKG_BASE_URL is required", ""},
		{"ftp base url", func(c *Config) { c.BaseURL = "ftp://host" }, "UKG_BASE_URL", ""},
		{"no host", func(c *Config) { c.BaseURL = "https://" }, "UKG_BASE_URL", ""},
		{"credentials in url", func(c *Config) { c.BaseURL = "https://svc:" + testPassword + "@host" }, "must not contain credentials", testPassword},
		{"username", func(c *Config) { c.Username = " " }, "UKG_USERNAME", ""},
		{"password", func(c *Config) { c.Password = "" }, "UKG_PASSWORD", ""},
		{"customer key", func(c *Config) { c.CustomerAPIKey = "" }, "UKG_CUSTOMER_API_KEY", ""},
		{"per page", func(c *Config) { c.PerPage = -1 }, "UKG_PER_PAGE", ""},
		{"concurrency", func(c *Config) { c.Concurrency = 1000 }, "UKG_CONCURRENCY", ""},
		{"rate", func(c *Config) { c.RateLimit = -1 }, "UKG_RATE_LIMIT", ""},
		{"timeout", func(c *Config) { c.RequestTimeout = -time.Second }, "UKG_REQUEST_TIMEOUT", ""},
		{"retries", func(c *Config) { c.MaxRetries = -1 }, "UKG_MAX_RETRIES", ""},
		{"retry max below base", func(c *Config) { c.RetryMax = time.Millisecond }, "UKG_RETRY_MAX", ""},
		{"zone", func(c *Config) { c.TenantTZ = "Mars/Olympus" }, "UKG_TENANT_TZ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mut(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("error repeats a secret: %v", err)
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

func TestRequestHeadersAndBasePathPrefix(t *testing.T) {
	var got *http.Request
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		io.WriteString(w, `[]`)
	}))
	cfg := testConfig(srv.URL + "/tenant-a/")
	cfg.UserAPIKey = testUserKey
	c := newClient(t, cfg)
	if _, err := c.All(t.Context(), PersonDetails, Query{}); err != nil {
		t.Fatal(err)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))
	for h, want := range map[string]string{
		"Authorization":       wantAuth,
		"US-Customer-Api-Key": testKey,
		"X-Api-Key":           testUserKey,
		"Accept":              "application/json",
	} {
		if v := got.Header.Get(h); v != want {
			t.Errorf("header %s = %q, want %q", h, v, want)
		}
	}
	if got.URL.Path != "/tenant-a/personnel/v1/person-details" {
		t.Errorf("path %q", got.URL.Path)
	}
}

func TestQueryEncoding(t *testing.T) {
	d1 := time.Date(2024, 1, 31, 15, 4, 5, 0, time.UTC)
	d2 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		ep   Endpoint
		q    Query
		want url.Values // decoded parameters expected (page params included)
		raw  []string   // substrings of the raw query (encoding)
	}{
		{"employment ids use capital ID", EmployeeEmploymentDetails,
			Query{CompanyID: "Q4T9Z", EmployeeID: "B7QX2K0000A1", DateTimeChanged: After(d1)},
			url.Values{"companyID": {"Q4T9Z"}, "employeeID": {"B7QX2K0000A1"}, "dateTimeChanged": {">01-31-2024"}, "page": {"1"}, "per_Page": {"10"}},
			[]string{"dateTimeChanged=%3E01-31-2024"}},
		{"person ids use Id, between", PersonDetails,
			Query{CompanyID: "Q4T9Z", DateTimeCreated: Between(d1, d2)},
			url.Values{"companyId": {"Q4T9Z"}, "dateTimeCreated": {"{01-31-2024,03-01-2024}"}, "page": {"1"}, "per_Page": {"10"}},
			[]string{"dateTimeCreated=%7B01-31-2024%2C03-01-2024%7D"}},
		{"before and on", EmployeeEmploymentDetails,
			Query{DateTimeChanged: Before(d2), DateTimeCreated: On(d1)},
			url.Values{"dateTimeChanged": {"<03-01-2024"}, "dateTimeCreated": {"01-31-2024"}, "page": {"1"}, "per_Page": {"10"}},
			[]string{"dateTimeChanged=%3C03-01-2024"}},
		{"employee changes window and per_page", EmployeeChanges,
			Query{StartDate: d1, EndDate: d2},
			url.Values{"startDate": {"2024-01-31T15:04:05"}, "endDate": {"2024-03-01T00:00:00"}, "page": {"1"}, "per_page": {"10"}},
			nil},
		{"extra filter passes through", JobHistoryDetails,
			Query{Extra: url.Values{"jobEffectiveDate": {After(d1).String()}}},
			url.Values{"jobEffectiveDate": {">01-31-2024"}, "page": {"1"}, "per_Page": {"10"}},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var rawQ string
			var gotQ url.Values
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				rawQ, gotQ = r.URL.RawQuery, r.URL.Query()
				mu.Unlock()
				io.WriteString(w, `[]`)
			}))
			c := newClient(t, testConfig(srv.URL))
			if _, err := c.All(t.Context(), tt.ep, tt.q); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(gotQ) != fmt.Sprint(tt.want) {
				t.Errorf("query %v, want %v", gotQ, tt.want)
			}
			for _, s := range tt.raw {
				if !strings.Contains(rawQ, s) {
					t.Errorf("raw query %q lacks %q", rawQ, s)
				}
			}
		})
	}
}

func TestQueryRejectsFiltersTheEndpointLacks(t *testing.T) {
	c := newClient(t, testConfig("http://127.0.0.1:1"))
	for _, tt := range []struct {
		ep Endpoint
		q  Query
	}{
		{JobHistoryDetails, Query{DateTimeChanged: After(time.Now())}},
		{CompensationDetails, Query{DateTimeCreated: After(time.Now())}},
		{PersonDetails, Query{StartDate: time.Now()}},
		{EmployeeChanges, Query{EmployeeID: "X"}},
		{Endpoint(99), Query{}},
	} {
		if _, err := c.All(t.Context(), tt.ep, tt.q); err == nil {
			t.Errorf("%v %+v: no error", tt.ep, tt.q)
		}
	}
}

func TestEmployeeRefetch(t *testing.T) {
	type call struct{ path, query string }
	var mu sync.Mutex
	var calls []call
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, call{r.URL.Path, r.URL.RawQuery})
		mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "/employees/NOPE/"):
			w.WriteHeader(http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/person-details"):
			io.WriteString(w, `[{"companyId":"C1","employeeId":"E1","firstName":"Dana"}]`)
		case strings.HasPrefix(r.URL.Path, "/personnel/v1/employee-changes/"):
			// one object, two companies in the list form
			io.WriteString(w, `[{"companyId":"C1","employeeId":"E1"},{"companyId":"C2","employeeId":"E1"}]`)
		case strings.HasPrefix(r.URL.Path, "/personnel/v1/employee-job-history-details/"):
			io.WriteString(w, `{"companyId":"C1","employeeId":"E1","systemId":"SYS1"}`)
		case r.URL.Path == "/personnel/v1/employee-employment-details":
			if r.URL.Query().Get("page") == "1" {
				io.WriteString(w, `[{"companyID":"C1","employeeID":"E1"}]`)
				return
			}
			io.WriteString(w, `[]`)
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	c := newClient(t, testConfig(srv.URL))
	ctx := t.Context()

	recs, err := c.Employee(ctx, PersonDetails, "C1", "E1")
	if err != nil || len(recs) != 1 || recs[0].Key() != "C1/E1" {
		t.Fatalf("person: %v %+v", err, recs)
	}
	recs, err = c.Employee(ctx, EmployeeChanges, "C1", "E1")
	if err != nil || len(recs) != 1 || recs[0].CompanyID != "C1" {
		t.Fatalf("changes: %v %+v", err, recs)
	}
	recs, err = c.Employee(ctx, EmployeeEmploymentDetails, "C1", "E1")
	if err != nil || len(recs) != 1 || recs[0].Key() != "C1/E1" {
		t.Fatalf("employment: %v %+v", err, recs)
	}
	row, err := c.JobHistoryRow(ctx, "SYS1")
	if err != nil || row.SystemID != "SYS1" {
		t.Fatalf("job history row: %v %+v", err, row)
	}
	if _, err := c.Employee(ctx, CompensationDetails, "C1", "NOPE"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing employee: err = %v, want ErrNotFound", err)
	}

	want := []call{
		{"/personnel/v1/companies/C1/employees/E1/person-details", ""},
		{"/personnel/v1/employee-changes/E1", ""},
		{"/personnel/v1/employee-employment-details", "companyID=C1&employeeID=E1&page=1&per_Page=10"},
		{"/personnel/v1/employee-employment-details", "companyID=C1&employeeID=E1&page=2&per_Page=10"},
		{"/personnel/v1/employee-job-history-details/SYS1", ""},
		{"/personnel/v1/companies/C1/employees/NOPE/compensation-details", ""},
	}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("calls\n got %v\nwant %v", calls, want)
	}
}

func TestServerTimeFollowsDateHeader(t *testing.T) {
	tenant := time.Date(2031, 7, 4, 9, 30, 0, 0, time.UTC)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", tenant.Format(http.TimeFormat))
		io.WriteString(w, `[]`)
	}))
	c := newClient(t, testConfig(srv.URL))
	if _, ok := c.ServerTime(); ok {
		t.Fatal("ServerTime known before any response")
	}
	if _, err := c.All(t.Context(), PersonDetails, Query{}); err != nil {
		t.Fatal(err)
	}
	got, ok := c.ServerTime()
	if !ok || got.Before(tenant) || got.Sub(tenant) > time.Minute {
		t.Errorf("ServerTime = %v, %v; want about %v", got, ok, tenant)
	}
	if d, _ := c.LastServerDate(); !d.Equal(tenant) {
		t.Errorf("LastServerDate = %v", d)
	}
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	var leaked sync.Map
	other := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store("key", r.Header.Get("US-Customer-Api-Key"))
		io.WriteString(w, `[]`)
	}))
	otherURL, _ := url.Parse(other.URL)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := *r.URL
		u.Scheme, u.Host = "http", "localhost:"+otherURL.Port() // another host name
		http.Redirect(w, r, u.String(), http.StatusFound)
	}))
	c := newClient(t, testConfig(srv.URL))
	_, err := c.All(t.Context(), PersonDetails, Query{})
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("err = %v, want a refused redirect", err)
	}
	if v, ok := leaked.Load("key"); ok {
		t.Fatalf("customer key sent to another host: %q", v)
	}
}

// TestSecretsNeverAppear drives every failure path with a server that
// echoes the request's credentials back, and greps all log output, error
// strings, observer calls and formatted values for them.
func TestSecretsNeverAppear(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	secrets := []string{testPassword, testKey, testUserKey, basic}

	echo := func(r *http.Request) string {
		b, _ := json.Marshal(map[string]string{
			"title":   "Echo " + r.Header.Get("Authorization"),
			"detail":  "key " + r.Header.Get("US-Customer-Api-Key") + " user key " + r.Header.Get("x-api-key"),
			"message": "password " + testPassword,
		})
		return string(b)
	}
	var logs logBuffer
	obs := &recordingObserver{}
	var errs []string
	for _, status := range []int{400, 401, 403, 404, 429, 500, 503} {
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(status)
			io.WriteString(w, echo(r))
		}))
		cfg := testConfig(srv.URL)
		cfg.UserAPIKey = testUserKey
		cfg.MaxRetries = 2
		c := newClient(t, cfg, WithLogger(logs.logger()), WithObserver(obs), WithClock(newFakeClock()))
		_, err := c.All(t.Context(), PersonDetails, Query{})
		if err == nil {
			t.Fatalf("status %d: no error", status)
		}
		errs = append(errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		var ae *APIError
		if errors.As(err, &ae) && !strings.Contains(ae.Detail, "REDACTED") {
			t.Errorf("status %d: detail %q, want the echoed secrets replaced", status, ae.Detail)
		}
		errs = append(errs, fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c.Config()))
	}
	// Malformed body echoing secrets, a timeout, and a refused connection.
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("companyId") == "hang" {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, `[{"x":"`+r.Header.Get("Authorization")+testPassword+`"`)
	}))
	cfg := testConfig(srv.URL)
	cfg.RequestTimeout, cfg.MaxRetries = 50*time.Millisecond, 1
	c := newClient(t, cfg, WithLogger(logs.logger()), WithObserver(obs), WithClock(newFakeClock()))
	for _, q := range []Query{{}, {CompanyID: "hang"}} {
		_, err := c.All(t.Context(), PersonDetails, q)
		if err == nil {
			t.Fatal("no error")
		}
		errs = append(errs, err.Error())
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c = newClient(t, testConfig("http://"+addr), WithLogger(logs.logger()), WithObserver(obs), WithClock(newFakeClock()))
	if _, err := c.All(t.Context(), PersonDetails, Query{}); err == nil {
		t.Fatal("no error from a closed port")
	} else {
		errs = append(errs, err.Error())
	}

	all := logs.String() + strings.Join(errs, "\n") + obs.String()
	if !strings.Contains(logs.String(), "retry") {
		t.Fatal("no retry was logged: the test did not exercise the log path")
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("secret %q appears in output:\n%s", s, all)
		}
	}
}

type recordingObserver struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *recordingObserver) ObserveRequest(ep string, status int, d time.Duration) {
	o.mu.Lock()
	fmt.Fprintln(&o.b, ep, status)
	o.mu.Unlock()
}

func (o *recordingObserver) ObserveRetry(ep, reason string) {
	o.mu.Lock()
	fmt.Fprintln(&o.b, ep, reason)
	o.mu.Unlock()
}

func (o *recordingObserver) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

func TestNowReadsTheTenantClockOnce(t *testing.T) {
	tenant := time.Date(2031, 7, 4, 9, 30, 0, 0, time.UTC)
	var mu sync.Mutex
	var queries []string
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Date", tenant.Format(http.TimeFormat))
		io.WriteString(w, `[{"companyID":"C","employeeID":"E"}]`)
	}))
	c := newClient(t, testConfig(srv.URL))
	for range 2 {
		got, err := c.Now(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got.Before(tenant) || got.Sub(tenant) > time.Minute {
			t.Errorf("Now = %v, want about %v", got, tenant)
		}
	}
	if len(queries) != 1 || queries[0] != "page=1&per_Page=1" {
		t.Errorf("requests %q, want one small page", queries)
	}
}
