package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// These tests run the real extractor binary (go build, once per test
// binary) against an in-test simulator and embedded broker, configured
// through its environment as a deployment would.

// extractorProgram is the real binary, built once.
var extractorProgram = testenv.Program{Package: "."}

func TestMain(m *testing.M) {
	code := m.Run()
	extractorProgram.Remove()
	os.Exit(code)
}

// extractorBin builds the extractor once and returns its path.
func extractorBin(t *testing.T) string { return extractorProgram.Path(t) }

const (
	testPassword = "demo-password"
	testAPIKey   = "DEMO-KEY"
	testHMACKey  = "test-hmac-key-4f1c2a9e7b"
)

// baseEnv is the process environment without any setting of ours, plus vars.
func baseEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "UKG_"), strings.HasPrefix(name, "KAFKA_"), strings.HasPrefix(name, "EXTRACTOR_"),
			strings.HasPrefix(name, "PII_"), strings.HasPrefix(name, "OPS_"), strings.HasPrefix(name, "LOG_"):
			continue
		}
		env = append(env, kv)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// runEnv is a complete working configuration against url and brokers.
func runEnv(url string, brokers []string, extra map[string]string) map[string]string {
	vars := map[string]string{
		"UKG_BASE_URL": url, "UKG_USERNAME": "svc-demo", "UKG_PASSWORD": testPassword, "UKG_CUSTOMER_API_KEY": testAPIKey,
		"KAFKA_BROKERS": strings.Join(brokers, ","), "KAFKA_REPLICATION_FACTOR": "1", "KAFKA_PARTITIONS": "3",
		"KAFKA_MIN_COMPACTION_LAG": "1h", "PII_HMAC_KEY": testHMACKey, "UKG_RATE_LIMIT": "0", "OPS_ADDR": "",
		"LOG_FORMAT": "json", "EXTRACTOR_PROGRESS": "off", "UKG_PER_PAGE": "50", "UKG_RETRY_BASE": "10ms",
		"UKG_RETRY_MAX": "200ms", "EXTRACTOR_LINGER": "2ms", "KAFKA_DIAL_TIMEOUT": "2s",
	}
	for k, v := range extra {
		vars[k] = v
	}
	return vars
}

// proc is a running extractor.
type proc struct {
	cmd    *exec.Cmd
	stderr *testenv.Buffer
	stdout *testenv.Buffer
	done   chan struct{}
	code   int
}

func start(t *testing.T, vars map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(extractorBin(t), args...), stderr: &testenv.Buffer{}, stdout: &testenv.Buffer{}, done: make(chan struct{})}
	p.cmd.Env = baseEnv(vars)
	p.cmd.Stderr, p.cmd.Stdout = p.stderr, p.stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("extractor still running after %s; stderr:\n%s", limit, tail(p.stderr.String(), 30))
		return -1
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// runOnce runs `extractor --once` to its end.
func runOnce(t *testing.T, vars map[string]string) (code int, stderr string) {
	t.Helper()
	p := start(t, vars, "--once")
	code = p.wait(t, 2*time.Minute)
	return code, p.stderr.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// lastLine is the last line the program wrote to stderr: the reason of a
// failed run (everything before is JSON log).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestHelpListsEveryVariableAndNoSecret(t *testing.T) {
	secrets := map[string]string{"UKG_PASSWORD": "pw-9d8e7f-secret", "UKG_CUSTOMER_API_KEY": "ck-1a2b3c-secret",
		"UKG_USER_API_KEY": "uk-4d5e6f-secret", "PII_HMAC_KEY": "hk-7a8b9c-secret", "KAFKA_SASL_PASSWORD": "sp-0f1e2d-secret"}
	p := start(t, secrets, "--help")
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("--help exited %d; stderr: %s", code, p.stderr.String())
	}
	out := p.stdout.String()
	vars, err := envconf.Vars(&config{})
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines[f[0]] = l
		}
	}
	for _, v := range vars {
		if v.Env == "" {
			if !strings.Contains(out, "--"+v.Flag) {
				t.Errorf("--help does not list --%s", v.Flag)
			}
			continue
		}
		l, ok := lines[v.Env]
		if !ok {
			t.Errorf("--help does not list %s", v.Env)
			continue
		}
		want := v.Default
		switch {
		case v.Secret:
			want = "(secret)"
		case v.Required:
			want = "(required)"
		case want == "":
			want = `""`
		}
		if !strings.Contains(l, " "+want+" ") {
			t.Errorf("--help line of %s does not show its default %q:\n%s", v.Env, want, l)
		}
		if v.Desc == "" || !strings.Contains(l, v.Desc) {
			t.Errorf("--help line of %s lacks its meaning", v.Env)
		}
	}
	for _, must := range []string{"UKG_BASE_URL", "KAFKA_BROKERS", "PII_HMAC_KEY", "OPS_ADDR", "EXTRACTOR_MODE"} {
		if _, ok := lines[must]; !ok {
			t.Errorf("--help lacks %s", must)
		}
	}
	for name, val := range secrets {
		if strings.Contains(out+p.stderr.String(), val) {
			t.Errorf("--help shows the value of %s", name)
		}
	}
}

// TestOnceLingersForAFinalScrape: with EXTRACTOR_METRICS_LINGER, --once
// keeps /metrics up after the run with every endpoint's final values (a
// CronJob's Prometheus scrape), and SIGTERM ends the wait with exit 0.
func TestOnceLingersForAFinalScrape(t *testing.T) {
	_, url := testenv.Sim(t, ukgsim.Config{Employees: 50})
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := start(t, runEnv(url, testenv.Kafka(t), map[string]string{"OPS_ADDR": addr, "EXTRACTOR_METRICS_LINGER": "10m"}), "--once")
	endpoints := len(extract.EndpointNames()) // the default is all of them
	testenv.Eventually(t, 90*time.Second, "every endpoint's run duration in /metrics", func() bool {
		if p.exited() {
			return true // reported below
		}
		res, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return strings.Count(string(body), "ukgpro_extractor_endpoint_run_seconds_count{") == endpoints
	})
	if p.exited() {
		t.Fatalf("the extractor exited before the linger ended:\n%s", p.stderr.String())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM during the linger, want 0:\n%s", code, p.stderr.String())
	}
}

func TestBadConfigurationExits2WithOneLine(t *testing.T) {
	good := runEnv("http://127.0.0.1:1", []string{"127.0.0.1:1"}, nil)
	tests := []struct {
		name  string
		unset string
		set   map[string]string
		want  string // the variable the line must name
	}{
		{name: "missing base URL", unset: "UKG_BASE_URL", want: "UKG_BASE_URL"},
		{name: "missing user", unset: "UKG_USERNAME", want: "UKG_USERNAME"},
		{name: "missing password", unset: "UKG_PASSWORD", want: "UKG_PASSWORD"},
		{name: "missing API key", unset: "UKG_CUSTOMER_API_KEY", want: "UKG_CUSTOMER_API_KEY"},
		{name: "missing brokers", unset: "KAFKA_BROKERS", want: "KAFKA_BROKERS"},
		{name: "missing HMAC key", unset: "PII_HMAC_KEY", want: "PII_HMAC_KEY"},
		{name: "page size not a number", set: map[string]string{"UKG_PER_PAGE": "abc"}, want: "UKG_PER_PAGE"},
		{name: "page size zero", set: map[string]string{"UKG_PER_PAGE": "0"}, want: "UKG_PER_PAGE"},
		{name: "mode unknown", set: map[string]string{"EXTRACTOR_MODE": "sometimes"}, want: "EXTRACTOR_MODE"},
		{name: "interval not a duration", set: map[string]string{"EXTRACTOR_INTERVAL": "soon"}, want: "EXTRACTOR_INTERVAL"},
		{name: "linger not a duration", set: map[string]string{"EXTRACTOR_METRICS_LINGER": "a while"}, want: "EXTRACTOR_METRICS_LINGER"},
		{name: "broker not host:port", set: map[string]string{"KAFKA_BROKERS": "kafka"}, want: "KAFKA_BROKERS"},
		{name: "base URL not http", set: map[string]string{"UKG_BASE_URL": "ftp://tenant"}, want: "UKG_BASE_URL"},
		{name: "endpoint unknown", set: map[string]string{"EXTRACTOR_ENDPOINTS": "payroll"}, want: "EXTRACTOR_ENDPOINTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{}
			for k, v := range good {
				if k != tt.unset {
					vars[k] = v
				}
			}
			for k, v := range tt.set {
				vars[k] = v
			}
			p := start(t, vars, "--once")
			code := p.wait(t, 30*time.Second)
			errOut := p.stderr.String()
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr: %s", code, errOut)
			}
			if n := strings.Count(strings.TrimRight(errOut, "\n"), "\n"); n != 0 || errOut == "" {
				t.Errorf("stderr is %d lines, want one:\n%s", n+1, errOut)
			}
			if !strings.HasPrefix(errOut, "extractor: ") || !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not name %s", errOut, tt.want)
			}
			for _, s := range []string{testPassword, testAPIKey, testHMACKey} {
				if strings.Contains(errOut, s) {
					t.Errorf("stderr shows a secret: %s", errOut)
				}
			}
		})
	}
}

func TestUnreachableBrokerFailsWithOneLineReason(t *testing.T) {
	_, url := testenv.Sim(t, ukgsim.Config{Employees: 50})
	dead := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	code, errOut := runOnce(t, runEnv(url, []string{dead}, nil))
	if code == 0 {
		t.Fatalf("--once against an unreachable broker exited 0")
	}
	if n := strings.Count(strings.TrimRight(errOut, "\n"), "\n"); n != 0 {
		t.Errorf("stderr is %d lines, want one:\n%s", n+1, errOut)
	}
	last := lastLine(errOut)
	if !strings.HasPrefix(last, "extractor: ") || !strings.Contains(last, dead) || !regexp.MustCompile(`(?i)kafka|broker`).MatchString(last) {
		t.Errorf("the reason does not say Kafka is unreachable: %q", last)
	}
	if len(last) > 400 {
		t.Errorf("the reason is %d characters long: %q", len(last), last)
	}
}

// apiRequests counts the simulator's API requests (control routes aside).
func apiRequests(sim *ukgsim.Sim, status int) (total, withStatus int64) {
	for k, n := range sim.Stats().Requests {
		if k.Endpoint == "_sim" {
			continue
		}
		total += n
		if k.Status == status {
			withStatus += n
		}
	}
	return total, withStatus
}

func TestWrongPasswordStopsAtOnce(t *testing.T) {
	sim, url := testenv.Sim(t, ukgsim.Config{Employees: 50})
	brokers := testenv.Kafka(t)
	code, errOut := runOnce(t, runEnv(url, brokers, map[string]string{"UKG_PASSWORD": "wrong-password-1234"}))
	if code == 0 {
		t.Fatal("a run with a wrong password exited 0")
	}
	last := lastLine(errOut)
	if !strings.Contains(last, "401") || !strings.Contains(last, "UKG_PASSWORD") {
		t.Errorf("the reason does not name the credential problem: %q", last)
	}
	total, unauthorized := apiRequests(sim, http.StatusUnauthorized)
	// One request per endpoint at most, each answered 401: no retry storm
	// that could lock the service account.
	if total > 4 || unauthorized != total {
		t.Errorf("%d API requests (%d answered 401); want at most one per endpoint, no retries", total, unauthorized)
	}
	if strings.Contains(errOut, "wrong-password-1234") {
		t.Error("the wrong password appears on stderr")
	}
}

func TestForbiddenEndpointNamesThePermission(t *testing.T) {
	sim, url := testenv.Sim(t, ukgsim.Config{Employees: 60, Deny: []string{"compensation-details"}})
	brokers := testenv.Kafka(t)
	code, errOut := runOnce(t, runEnv(url, brokers, nil))
	if code == 0 {
		t.Fatal("a run denied compensation-details exited 0")
	}
	last := lastLine(errOut)
	if !strings.Contains(last, "Employee Compensation Details") || !strings.Contains(last, "403") {
		t.Errorf("the reason does not name the missing View role: %q", last)
	}
	if st := sim.Stats(); st.Requests[ukgsim.RequestKey{Endpoint: ukgsim.EndpointCompensation, Status: 403}] != 1 {
		t.Errorf("compensation-details was asked %d times (403); want once", st.Requests[ukgsim.RequestKey{Endpoint: ukgsim.EndpointCompensation, Status: 403}])
	}
	// The endpoints the account may read are complete.
	for _, ep := range []string{ukgsim.EndpointEmployment, ukgsim.EndpointPerson, ukgsim.EndpointJobHistory} {
		if n, want := len(testenv.Messages(t, brokers, "ukgpro."+topicOf[ep])), sim.Rows(ep); n != want {
			t.Errorf("%s: %d messages, want %d", topicOf[ep], n, want)
		}
	}
}

// TestSIGTERMExitsZeroThenNextRunIsExact: SIGTERM mid-run ends the process
// with 0 after publishing what it read; the next run completes the data,
// nothing lost and nothing published twice.
func TestSIGTERMExitsZeroThenNextRunIsExact(t *testing.T) {
	sim, url := testenv.Sim(t, ukgsim.Config{Employees: 400, Seed: 4, Faults: ukgsim.Faults{Latency: 20 * time.Millisecond}})
	brokers := testenv.Kafka(t)
	vars := runEnv(url, brokers, nil)
	p := start(t, vars, "--once")
	// Wait until the run is well under way (pages are being served).
	testenv.Eventually(t, 60*time.Second, "the run to get under way", func() bool {
		if p.exited() {
			t.Fatalf("the extractor exited before the run got under way; stderr:\n%s", tail(p.stderr.String(), 20))
		}
		total, _ := apiRequests(sim, 200)
		return total >= 12
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit %d, want 0; stderr:\n%s", code, tail(p.stderr.String(), 20))
	}
	partial := counts(t, brokers)
	if code, errOut := runOnce(t, vars); code != 0 {
		t.Fatalf("the run after SIGTERM exited %d:\n%s", code, tail(errOut, 20))
	}
	led := newLedger(t)
	led.note(t, sim)
	led.check(t, brokers)
	t.Logf("published before SIGTERM: %v", partial)
}

// TestSecretsNeverLeak runs the real binary (scheduled mode, /metrics on)
// through a baseline, scrapes its metrics, stops it with SIGTERM, then
// searches every topic (keys, values, headers), its log and its metrics for
// the simulator's SSNs (with and without dashes), bank fields, the password,
// the API keys and the HMAC key.
func TestSecretsNeverLeak(t *testing.T) {
	sim, url := testenv.Sim(t, ukgsim.Config{Employees: 150, Seed: 8})
	brokers := testenv.Kafka(t)
	ops := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	const userKey = "user-api-key-5e6f7a8b"
	p := start(t, runEnv(url, brokers, map[string]string{"OPS_ADDR": ops, "EXTRACTOR_INTERVAL": "1h",
		"UKG_USER_API_KEY": userKey, "LOG_LEVEL": "debug"}))
	var metrics string
	testenv.Eventually(t, 90*time.Second, "a complete run on /metrics", func() bool {
		if p.exited() {
			t.Fatalf("the extractor exited; stderr:\n%s", tail(p.stderr.String(), 20))
		}
		resp, err := http.Get("http://" + ops + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		return strings.Count(metrics, "ukgpro_extractor_last_success_timestamp_seconds{") == len(extract.EndpointNames())
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Errorf("SIGTERM while idle: exit %d, want 0", code)
	}
	logs := p.stderr.String()
	if !strings.Contains(logs, "run finished") {
		t.Errorf("the log does not show a finished run:\n%s", tail(logs, 10))
	}

	needles := append(append(testenv.IdentifierNeedles(t, sim, 100), testenv.BankNeedles(t, sim, 100)...),
		testenv.Needle{What: "the password", Value: testPassword}, testenv.Needle{What: "the customer API key", Value: testAPIKey},
		testenv.Needle{What: "the user API key", Value: userKey}, testenv.Needle{What: "the HMAC key", Value: testHMACKey},
		testenv.Needle{What: "basic auth", Value: base64.StdEncoding.EncodeToString([]byte("svc-demo:" + testPassword))})
	where := map[string]string{"log": logs, "metrics": metrics}
	for _, topic := range append(kafkax.DataTopics, kafkax.ExtractorState) {
		where["topic "+topic] = testenv.TopicText(t, brokers, "ukgpro."+topic)
	}
	people := testenv.Messages(t, brokers, "ukgpro."+kafkax.People)
	for _, m := range people {
		if m.Value != nil {
			checkBankDropped(t, m.Value)
		}
	}
	if n := len(people); n != sim.Rows(ukgsim.EndpointPerson) {
		t.Errorf("people: %d messages, want %d (the test must search every record)", n, sim.Rows(ukgsim.EndpointPerson))
	}
	testenv.NoLeaks(t, where, needles)
}

// checkBankDropped fails when a people record still carries a field the
// schema classes as bank details (the policy drops them).
func checkBankDropped(t *testing.T, value []byte) {
	t.Helper()
	var r map[string]json.RawMessage
	if err := json.Unmarshal(value, &r); err != nil {
		t.Fatal(err)
	}
	for f := range r {
		if bankFields()[f] {
			t.Errorf("people record carries bank field %s", f)
		}
	}
}

var bankOnce = sync.OnceValue(func() map[string]bool {
	reg, err := schema.Load()
	if err != nil {
		panic(err)
	}
	out := map[string]bool{}
	for f, c := range reg.Topic(kafkax.People).PIIClasses() {
		if c == schema.PIIBank {
			out[f] = true
		}
	}
	return out
})

func bankFields() map[string]bool { return bankOnce() }

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

var topicOf = map[string]string{
	ukgsim.EndpointEmployment:   kafkax.Employees,
	ukgsim.EndpointPerson:       kafkax.People,
	ukgsim.EndpointCompensation: kafkax.Compensation,
	ukgsim.EndpointJobHistory:   kafkax.JobHistory,
}

func counts(t *testing.T, brokers []string) map[string]int {
	out := map[string]int{}
	for _, topic := range topicOf {
		out[topic] = len(testenv.Messages(t, brokers, "ukgpro."+topic))
	}
	return out
}

// TestMassDeleteRefusedThenAllowed: with --once, a full pass that would
// delete a third of the employees exits 3 with one line naming the counts
// and deletes nothing; EXTRACTOR_ALLOW_MASS_DELETE=true lets the next run
// delete them.
func TestMassDeleteRefusedThenAllowed(t *testing.T) {
	sim, url := testenv.Sim(t, ukgsim.Config{Employees: 240, Seed: 8})
	brokers := testenv.Kafka(t)
	vars := runEnv(url, brokers, map[string]string{"EXTRACTOR_MODE": "full"})
	if code, errOut := runOnce(t, vars); code != 0 {
		t.Fatalf("baseline: exit %d\n%s", code, tail(errOut, 10))
	}
	gt, err := sim.AdvanceWith(1, ukgsim.AdvanceOptions{Removals: sim.Rows(ukgsim.EndpointEmployment) / 3})
	if err != nil {
		t.Fatal(err)
	}
	deletions := func() int {
		n := 0
		for _, topic := range topicOf {
			for _, m := range testenv.Messages(t, brokers, "ukgpro."+topic) {
				if m.Value == nil {
					n++
				}
			}
		}
		return n
	}
	code, errOut := runOnce(t, vars)
	if last := lastLine(errOut); code != 3 || !strings.Contains(last, fmt.Sprintf("refused to delete %d of", len(gt.Removed))) {
		t.Fatalf("mass deletion: exit %d, last line %q; want 3 naming %d", code, last, len(gt.Removed))
	}
	if n := deletions(); n != 0 {
		t.Fatalf("a refused run published %d deletions", n)
	}
	vars["EXTRACTOR_ALLOW_MASS_DELETE"] = "true"
	if code, errOut := runOnce(t, vars); code != 0 {
		t.Fatalf("with the override: exit %d\n%s", code, tail(errOut, 10))
	}
	if n := deletions(); n < 3*len(gt.Removed) {
		t.Fatalf("%d deletions after the override; want the removed employees' records (at least %d)", n, 3*len(gt.Removed))
	}
}
