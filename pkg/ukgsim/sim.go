package ukgsim

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sim is a simulated UKG Pro tenant. It is an http.Handler; all methods are
// safe for concurrent use.
type Sim struct {
	cfg  Config
	log  *slog.Logger
	wall func() time.Time

	// mu guards the workforce and the clock offset: requests read under
	// RLock, Advance writes under Lock.
	mu         sync.RWMutex
	companies  []company
	people     []person
	emps       []employment
	byID       map[[12]byte]int32 // employee ID -> person index
	order      []int32            // employment indices by (companyID, employeeID)
	histCum    []int64            // histCum[i] = job-history rows before order position i
	subCum     map[string][]int64 // per perSub endpoint: its rows before order position i
	conf       configuration      // the configuration tables (configuration.go)
	coStart    []int              // first order position of each company (+ len)
	mgrs       [][]int32          // employments that supervise, per company
	nextNumber []int32            // next employee number per company
	nextSeq    uint32             // job-history row sequence
	startMs    int64              // tenant clock at start
	offsetMs   int64              // advanced so far
	wallStart  time.Time
	advances   uint64
	sysPrefix  [4]byte
	deny       map[string]bool

	fmu      sync.Mutex // guards everything below
	faults   Faults
	frng     *rand.Rand
	limiters map[string]*rate.Limiter
	reqs     map[RequestKey]int64
	injected map[string]int64

	done      chan struct{}
	closeOnce sync.Once
	bufs      sync.Pool
}

// New builds the simulated tenant: the companies, the workforce and its
// history up to the tenant clock's start. Zero Config fields take their defaults.
func New(cfg Config, opts ...Option) (*Sim, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ukgsim config: %w", err)
	}
	s := &Sim{
		cfg:      cfg,
		log:      slog.New(slog.DiscardHandler),
		wall:     time.Now,
		faults:   cfg.Faults,
		frng:     rand.New(rand.NewPCG(cfg.Seed, 0xfa017)),
		limiters: map[string]*rate.Limiter{},
		reqs:     map[RequestKey]int64{},
		injected: map[string]int64{},
		deny:     map[string]bool{},
		done:     make(chan struct{}),
	}
	for _, o := range opts {
		o.apply(s)
	}
	for _, d := range cfg.Deny {
		if d = strings.TrimSpace(d); d != "" {
			s.deny[endpointByName(d).name] = true
		}
	}
	start := time.Now().UTC().Truncate(24 * time.Hour)
	if cfg.Start != "" {
		start, _ = parseStart(cfg.Start) // validated
	}
	s.startMs = start.UnixMilli()
	s.wallStart = s.wall()
	h := splitmix64(cfg.Seed ^ 0x5157)
	for i := range s.sysPrefix {
		s.sysPrefix[i] = alnum[h%36]
		h /= 36
	}
	s.conf = newConfiguration()
	s.generate()
	s.log.Info("simulated tenant ready", "companies", len(s.companies), "employments", len(s.emps),
		"job_history_rows", s.histCum[len(s.histCum)-1], "clock", s.Now().Format(time.DateTime))
	return s, nil
}

// Close releases requests hung by the hang fault. The Sim still serves afterwards.
func (s *Sim) Close() { s.closeOnce.Do(func() { close(s.done) }) }

// Now is the tenant clock (naive tenant-local time, returned in UTC).
func (s *Sim) Now() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return time.UnixMilli(s.nowMs()).UTC()
}

// nowMs is the tenant clock in ms; callers hold mu.
func (s *Sim) nowMs() int64 {
	ms := s.startMs + s.offsetMs
	if s.cfg.Clock == clockWall {
		ms += s.wall().Sub(s.wallStart).Milliseconds()
	}
	return ms
}

// Config returns the configuration in use (defaults filled).
func (s *Sim) Config() Config { return s.cfg }

// Companies returns the company IDs in ID order.
func (s *Sim) Companies() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, len(s.companies))
	for i, c := range s.companies {
		out[i] = c.id
	}
	return out
}

// RequestKey counts requests per endpoint name ("_sim" for the control
// endpoints, "unknown" for other paths) and HTTP status.
type RequestKey struct {
	Endpoint string
	Status   int
}

// Stats are counters since New.
type Stats struct {
	Requests map[RequestKey]int64
	// Faults counts injected faults by kind: latency, rate_limit, 429, 5xx,
	// hang, truncate, malformed, duplicate.
	Faults map[string]int64
}

// Stats returns a copy of the request and fault counters.
func (s *Sim) Stats() Stats {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	st := Stats{Requests: make(map[RequestKey]int64, len(s.reqs)), Faults: make(map[string]int64, len(s.injected))}
	for k, v := range s.reqs {
		st.Requests[k] = v
	}
	for k, v := range s.injected {
		st.Faults[k] = v
	}
	return st
}

// MarshalJSON renders Stats as {"requests":{"endpoint":{"200":n}},"faults":{...}}.
func (st Stats) MarshalJSON() ([]byte, error) {
	req := map[string]map[string]int64{}
	for k, v := range st.Requests {
		if req[k.Endpoint] == nil {
			req[k.Endpoint] = map[string]int64{}
		}
		req[k.Endpoint][strconv.Itoa(k.Status)] = v
	}
	return json.Marshal(struct {
		Requests map[string]map[string]int64 `json:"requests"`
		Faults   map[string]int64            `json:"faults"`
	}{req, st.Faults})
}

func (s *Sim) countRequest(ep string, status int) {
	s.fmu.Lock()
	s.reqs[RequestKey{ep, status}]++
	s.fmu.Unlock()
}

// Rows returns how many records a full, fault-free paging of endpoint (one of
// the Endpoint* names) serves without filters. For employee-changes it is the
// number of rows changed since the tenant clock's start (use Count with
// startDate/endDate for a window).
func (s *Sim) Rows(endpoint string) int {
	q := url.Values{}
	if strings.EqualFold(endpoint, EndpointEmployeeChanges) {
		q.Set("startDate", time.UnixMilli(s.startMs).UTC().Format("2006-01-02T15:04:05"))
	}
	n, err := s.Count(endpoint, q)
	if err != nil {
		return 0
	}
	return n
}

// Count returns how many records a full, fault-free paging of the list route
// of endpoint with the query parameters q (filters; paging parameters are
// ignored) serves.
func (s *Sim) Count(endpoint string, q url.Values) (int, error) {
	ep := endpointByName(endpoint)
	if ep == nil {
		return 0, fmt.Errorf("count %s: unknown endpoint", endpoint)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	qq, err := s.listQuery(ep, params(q))
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", endpoint, err)
	}
	return s.count(qq), nil
}

// Records returns every record a full, fault-free paging of the list route of
// endpoint with the filters q serves, in order, as raw JSON objects.
func (s *Sim) Records(endpoint string, q url.Values) ([]json.RawMessage, error) {
	ep := endpointByName(endpoint)
	if ep == nil {
		return nil, fmt.Errorf("records %s: unknown endpoint", endpoint)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	qq, err := s.listQuery(ep, params(q))
	if err != nil {
		return nil, fmt.Errorf("records %s: %w", endpoint, err)
	}
	var out []json.RawMessage
	s.each(qq, func(v *view) bool {
		w := jw{blank: ep.blank}
		w.open()
		ep.render(&w, v)
		out = append(out, w.close())
		return true
	})
	return out, nil
}

// listQuery builds the query of a list route (all companies) from lower-cased params.
func (s *Sim) listQuery(ep *endpoint, p map[string]string) (*query, error) {
	q := &query{ep: ep, lo: 0, hi: len(s.order)}
	if ep == epChanges {
		if err := s.changesWindow(q, p, true); err != nil {
			return nil, err
		}
		return q, nil
	}
	if err := q.compile(p); err != nil {
		return nil, err
	}
	return q, nil
}

// changesWindow sets the employee-changes window from startDate/endDate.
func (s *Sim) changesWindow(q *query, p map[string]string, required bool) error {
	start, ok := p["startdate"]
	if !ok {
		start, ok = p["start_date"]
	}
	end, hasEnd := p["enddate"]
	if !hasEnd {
		end, hasEnd = p["end_date"]
	}
	if !ok || start == "" {
		if required {
			return badf("startDate is required.")
		}
		return nil
	}
	lo, err := parseWindowTime(start)
	if err != nil {
		return badf("The value '%s' is not valid for startDate.", start)
	}
	now := s.nowMs()
	hi := now
	if hasEnd && end != "" {
		if hi, err = parseWindowTime(end); err != nil {
			return badf("The value '%s' is not valid for endDate.", end)
		}
	}
	if hi < lo {
		return badf("endDate must not be before startDate.")
	}
	if s.cfg.ChangesWindow && hi > now-3*3600*1000 {
		return badf("The date range must end at least 3 hours in the past.")
	}
	q.window, q.winLo, q.winHi = true, lo, hi
	return nil
}

func parseWindowTime(v string) (int64, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02", time.RFC3339Nano, "01-02-2006", "1/2/2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC).UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("parse %q", v)
}

// ServeHTTP serves the API routes (/personnel/v1/...) and the control routes (/_sim/...).
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveControl(w, r)
		return
	}
	s.mu.RLock()
	now := s.nowMs()
	s.mu.RUnlock()
	w.Header().Set("Date", time.UnixMilli(now).UTC().Format(http.TimeFormat))
	rt, ok := route(r.URL.Path)
	if !ok {
		s.countRequest("unknown", http.StatusNotFound)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	name := rt.ep.name
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.countRequest(name, http.StatusMethodNotAllowed)
		w.Header().Set("Allow", "GET")
		s.problem(w, http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.")
		return
	}
	cred, ok := s.authenticate(r)
	if !ok {
		s.countRequest(name, http.StatusUnauthorized)
		w.Header().Set("WWW-Authenticate", "Basic")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if s.deny[name] {
		s.countRequest(name, http.StatusForbidden)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	f, act := s.preFaults(cred)
	switch {
	case act.status == http.StatusTooManyRequests:
		s.countRequest(name, act.status)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(f.RetryAfter)))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case act.status != 0:
		s.countRequest(name, act.status)
		s.problem(w, act.status, "An error has occurred.")
		return
	case act.hang:
		s.countRequest(name, 0)
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	}
	if f.Latency > 0 {
		s.countFault("latency")
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.done:
			t.Stop()
		}
	}
	bp := s.getBuf()
	defer s.bufs.Put(bp)
	body, status, err := s.serveAPI((*bp)[:0], rt, r, cred, f)
	*bp = body[:0]
	if err != nil {
		s.countRequest(name, http.StatusBadRequest)
		s.problem(w, http.StatusBadRequest, err.Error())
		return
	}
	s.countRequest(name, status)
	if status == http.StatusNotFound {
		w.WriteHeader(status)
		return
	}
	if status == http.StatusOK && rt.list {
		body = s.postFaults(body, f)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (s *Sim) getBuf() *[]byte {
	if bp, ok := s.bufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, 64<<10)
	return &b
}

func retryAfterSeconds(d time.Duration) int {
	sec := int((d + time.Second - 1) / time.Second)
	return max(sec, 1)
}

// problem writes an application/problem+json body {"title","status","detail"}.
func (s *Sim) problem(w http.ResponseWriter, status int, detail string) {
	b := []byte(`{"title":`)
	b = appendQuoted(b, http.StatusText(status))
	b = append(b, `,"status":`...)
	b = appendInt(b, int64(status))
	b = append(b, `,"detail":`...)
	b = appendQuoted(b, detail)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// authenticate checks HTTP Basic and US-Customer-Api-Key (any header-name
// casing) and returns the credential used for rate limiting.
func (s *Sim) authenticate(r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	key := r.Header.Get("US-Customer-Api-Key")
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.Username))
	okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password.Reveal()))
	okKey := subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.APIKey.Reveal()))
	if okUser&okPass&okKey != 1 {
		return "", false
	}
	return user, true
}

// resolved route
type routed struct {
	ep        *endpoint
	list      bool   // returns an array
	companyID string // /companies/{companyId}/...
	empID     string // .../employees/{employeeId}/... or /{employeeId}
	systemID  string // /{systemId}
}

// route matches the path case-insensitively (ASP.NET routing) against every
// endpoint's routes.
func route(path string) (routed, bool) {
	path = strings.TrimSuffix(path, "/")
	prefix := ""
	for _, b := range bases {
		if len(path) >= len(b) && strings.EqualFold(path[:len(b)], b) {
			prefix = b
			break
		}
	}
	if prefix == "" {
		return routed{}, false
	}
	seg := strings.Split(path[len(prefix):], "/")
	for _, s := range seg {
		if s == "" {
			return routed{}, false
		}
	}
	// byName finds the endpoint named n under this base.
	byName := func(n string) *endpoint {
		if ep := endpointByName(n); ep != nil && ep.basePath() == prefix {
			return ep
		}
		return nil
	}
	switch {
	case len(seg) == 1:
		if ep := byName(seg[0]); ep != nil && ep.routes&rList != 0 {
			return routed{ep: ep, list: true}, true
		}
	case len(seg) == 2:
		ep := byName(seg[0])
		switch {
		case ep == nil:
		case ep.routes&rObjEmployee != 0:
			return routed{ep: ep, empID: seg[1]}, true
		case ep.routes&rArrEmployee != 0:
			return routed{ep: ep, list: true, empID: seg[1]}, true
		case ep.routes&rObjSystem != 0:
			return routed{ep: ep, systemID: seg[1]}, true
		}
	case len(seg) == 3 && strings.EqualFold(seg[0], "companies"):
		if ep := byName(seg[2]); ep != nil && ep.routes&rCompany != 0 {
			return routed{ep: ep, list: true, companyID: seg[1]}, true
		}
	case len(seg) == 5 && strings.EqualFold(seg[0], "companies") && strings.EqualFold(seg[2], "employees"):
		if ep := byName(seg[4]); ep != nil && ep.routes&rEmployee != 0 {
			return routed{ep: ep, list: true, companyID: seg[1], empID: seg[3]}, true
		}
	}
	return routed{}, false
}

// serveAPI renders the response body for an authenticated API request.
func (s *Sim) serveAPI(b []byte, rt routed, r *http.Request, cred string, f Faults) ([]byte, int, error) {
	p := params(r.URL.Query())
	s.mu.RLock()
	defer s.mu.RUnlock()
	ep := rt.ep

	if !rt.list { // one object
		var v view
		found := false
		if rt.systemID != "" {
			if seq, ok := s.decodeSystemID(rt.systemID); ok {
				v, found = s.findRow(seq)
			}
		} else if ei, ok := s.homeEmployment(rt.empID); ok {
			v, found = s.viewOf(ei, -1), true
		}
		if !found {
			return b, http.StatusNotFound, nil
		}
		w := jw{b: b, blank: ep.blank}
		w.open()
		ep.render(&w, &v)
		return w.close(), http.StatusOK, nil
	}

	pageNo, perPage, err := s.paging(p)
	if err != nil {
		return b, 0, err
	}
	if ep.unpaged {
		pageNo, perPage = 1, 1<<30
	}
	q := &query{ep: ep, lo: 0, hi: len(s.order)}
	co := -1
	if rt.companyID != "" {
		if co = s.companyIndex(rt.companyID); co < 0 {
			q.lo, q.hi = 0, 0
			q.emps = []int32{}
		} else {
			q.lo, q.hi = s.coStart[co], s.coStart[co+1]
		}
	}
	if rt.empID != "" && (co >= 0 || rt.companyID == "") {
		q.emps = s.employments(rt.empID, co)
	}
	if ep == epChanges {
		if err := s.changesWindow(q, p, rt.empID == ""); err != nil {
			return b, 0, err
		}
	} else if err := q.compile(p); err != nil {
		return b, 0, err
	}
	offset := (pageNo - 1) * perPage
	if sh := s.duplicateShift(cred, r, pageNo, f); sh > 0 {
		offset = max(0, offset-sh)
	}
	b = append(b, '[')
	n := 0
	w := jw{blank: ep.blank}
	s.page(q, offset, perPage, func(v *view) {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		w.b = b
		w.open()
		ep.render(&w, v)
		b = w.close()
	})
	b = append(b, ']')
	if n == 0 && pageNo > 1 && s.cfg.PastEnd == pastEnd404 {
		return b[:0], http.StatusNotFound, nil
	}
	return b, http.StatusOK, nil
}

// paging reads page and per_Page (§3, §9 row 1).
func (s *Sim) paging(p map[string]string) (page, perPage int, err error) {
	page, perPage = 1, s.cfg.MaxPerPage
	if v, ok := p["page"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return 0, 0, badf("The value '%s' is not valid for page.", v)
		}
		page = n
	}
	if v, ok := p["per_page"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1 {
			return 0, 0, badf("The value '%s' is not valid for per_Page.", v)
		}
		perPage = int(min(n, int64(s.cfg.MaxPerPage)))
	}
	if int64(page-1)*int64(perPage) > 1<<40 {
		page = 1<<40/perPage + 2 // far past the end; avoids overflow
	}
	return page, perPage, nil
}

func (s *Sim) companyIndex(id string) int {
	for i, c := range s.companies {
		if strings.EqualFold(c.id, id) {
			return i
		}
	}
	return -1
}

func (s *Sim) personIndex(id string) (int32, bool) {
	if len(id) != 12 {
		return 0, false
	}
	var k [12]byte
	for i := range 12 {
		k[i] = upper(id[i])
	}
	pi, ok := s.byID[k]
	return pi, ok
}

// employments returns the person's employments (in company co, or all when
// co < 0), in order.
func (s *Sim) employments(empID string, co int) []int32 {
	out := []int32{}
	pi, ok := s.personIndex(empID)
	if !ok {
		return out
	}
	for _, ei := range s.people[pi].emps {
		if ei < 0 || s.emps[ei].removed {
			continue
		}
		if co < 0 || int(s.emps[ei].co) == co {
			out = append(out, ei)
		}
	}
	slices.SortFunc(out, func(a, b int32) int { return int(s.emps[a].co) - int(s.emps[b].co) })
	return out
}

// homeEmployment is the row a single-object route returns: the home company's.
func (s *Sim) homeEmployment(empID string) (int32, bool) {
	pi, ok := s.personIndex(empID)
	if !ok || s.emps[s.people[pi].emps[0]].removed {
		return 0, false
	}
	return s.people[pi].emps[0], true
}

func (s *Sim) findRow(seq uint32) (view, bool) {
	for ei := range s.emps {
		if s.emps[ei].removed {
			continue
		}
		for hi := range s.emps[ei].hist {
			if s.emps[ei].hist[hi].seq == seq {
				return s.viewOf(int32(ei), hi), true
			}
		}
	}
	return view{}, false
}

// serveControl serves /_sim/*: advance, faults, stats, clock. No auth, no faults.
func (s *Sim) serveControl(w http.ResponseWriter, r *http.Request) {
	writeJSON := func(status int, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			s.problem(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(b)
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	s.countRequest("_sim", 200)
	switch {
	case path == "/_sim/advance" && r.Method == http.MethodPost:
		q := r.URL.Query()
		days, err := strconv.Atoi(q.Get("days"))
		if err != nil {
			s.problem(w, http.StatusBadRequest, "days must be an integer")
			return
		}
		var opt AdvanceOptions
		for _, p := range []struct {
			name string
			v    *int
		}{{"removals", &opt.Removals}, {"corrections", &opt.Corrections}} {
			if v := q.Get(p.name); v != "" {
				if *p.v, err = strconv.Atoi(v); err != nil {
					s.problem(w, http.StatusBadRequest, p.name+" must be an integer")
					return
				}
			}
		}
		gt, err := s.AdvanceWith(days, opt)
		if err != nil {
			s.problem(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(http.StatusOK, gt)
	case path == "/_sim/faults" && r.Method == http.MethodGet:
		writeJSON(http.StatusOK, s.Faults())
	case path == "/_sim/faults" && r.Method == http.MethodPost:
		f := s.Faults() // fields absent from the body keep their values
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = json.Unmarshal(body, &f)
		}
		if err == nil {
			err = s.SetFaults(f)
		}
		if err != nil {
			s.problem(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(http.StatusOK, s.Faults())
	case path == "/_sim/faults" && r.Method == http.MethodDelete:
		s.SetFaults(Faults{})
		writeJSON(http.StatusOK, s.Faults())
	case path == "/_sim/stats" && r.Method == http.MethodGet:
		writeJSON(http.StatusOK, s.Stats())
	case path == "/_sim/clock" && r.Method == http.MethodGet:
		writeJSON(http.StatusOK, map[string]string{"now": s.Now().Format("2006-01-02T15:04:05.999")})
	default:
		s.problem(w, http.StatusNotFound, "unknown control route; see docs/simulator.md")
	}
}
