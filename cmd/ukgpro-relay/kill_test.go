package main

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/pipeline"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/webhook"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// These tests run the real relay binary (go build, once per test binary)
// against an in-test broker, extractor and receiver, configured through its
// environment as a deployment would.

// relayProgram is the real binary, built once.
var relayProgram = testenv.Program{Package: "."}

func TestMain(m *testing.M) {
	code := m.Run()
	relayProgram.Remove()
	os.Exit(code)
}

func relayBin(t *testing.T) string { return relayProgram.Path(t) }

const (
	signingKey = "kill-test-signing-key-0123456789"
	token      = "kill-test-bearer-token"
	rejected   = "com.ukgpro.lifecycle.employee.status_changed"
)

type proc struct {
	cmd    *exec.Cmd
	stderr *testenv.Buffer
	done   chan struct{}
}

func startRelay(t *testing.T, brokers []string, url string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(relayBin(t)), stderr: &testenv.Buffer{}, done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "RELAY_") && !strings.HasPrefix(name, "KAFKA_") &&
			!strings.HasPrefix(name, "OPS_") && !strings.HasPrefix(name, "LOG_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	for k, v := range map[string]string{
		"KAFKA_BROKERS": strings.Join(brokers, ","), "KAFKA_REPLICATION_FACTOR": "1", "KAFKA_PARTITIONS": "3",
		"KAFKA_DIAL_TIMEOUT": "2s", "OPS_ADDR": "127.0.0.1:0", "LOG_FORMAT": "json", "LOG_LEVEL": "debug",
		"RELAY_WEBHOOK_URL": url, "RELAY_SIGNING_KEY": signingKey, "RELAY_BEARER_TOKEN": token,
		"RELAY_RETRY_BASE": "20ms", "RELAY_RETRY_MAX": "300ms", "RELAY_REQUEST_TIMEOUT": "2s",
		"RELAY_COMMIT_INTERVAL": "300ms", "RELAY_SESSION_TIMEOUT": "2s", "RELAY_HEARTBEAT_INTERVAL": "300ms",
		"RELAY_REBALANCE_TIMEOUT": "2s", "RELAY_JOIN_GROUP_BACKOFF": "200ms", "RELAY_SHUTDOWN_GRACE": "10s",
	} {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	// Signals are handled from here on.
	testenv.Eventually(t, 30*time.Second, "the relay to start", func() bool {
		return strings.Contains(p.stderr.String(), "relay starting") || p.exited()
	})
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		for _, secret := range []string{signingKey, token, url} {
			if strings.Contains(p.stderr.String(), secret) {
				t.Errorf("a secret (%.12s…) is in the relay's log", secret)
			}
		}
	})
	return p
}

// TestKill9LosesNoEvent kills the relay binary with SIGKILL at random
// moments while it delivers the events of several extractor runs (the
// tenant advancing in between) to a receiver that answers 503 to a fifth
// of the calls, 429 with Retry-After to some and 400 to one event type.
// A final relay delivers the rest and stops on SIGTERM with exit 0. Then
// every event was accepted (or, for the rejected type, answered 400 and
// dead-lettered with its status), no event of an employee was called
// before the previous one finished, and every call, redeliveries included,
// carried the event's ce_id as Idempotency-Key.
func TestKill9LosesNoEvent(t *testing.T) {
	trials := 6
	if testing.Short() {
		trials = 2
	}
	rng := rand.New(rand.NewPCG(20261207, 11))
	p := pipeline.Start(t, ukgsim.Config{Employees: 150, Companies: 2, Seed: 9})
	rcv := webhook.Start(t, webhook.Config{Seed: 2, FailRate: 0.2, ThrottleRate: 0.03, RejectType: rejected,
		Latency: 20 * time.Millisecond, SigningKey: signingKey, Token: token})
	p.Run(func(c *extract.Config) { c.BackfillHires = true })

	midway := 0
	for i := range trials {
		if i > 0 {
			p.Advance(30, 1)
			p.Run(nil)
		}
		total := len(p.Lifecycle())
		calls := len(rcv.Calls())
		relay := startRelay(t, p.Brokers, rcv.URL)
		// Odd trials kill while it delivers: once it has joined the group
		// and called, at a random moment of the next second and a half.
		// Even trials kill at a random moment of its first 2.5 s, which
		// may fall while it joins the group or reads.
		delay := time.Duration(rng.Int64N(int64(2500 * time.Millisecond)))
		if i%2 == 1 {
			testenv.Eventually(t, time.Minute, "the relay to deliver", func() bool { return len(rcv.Calls()) > calls || relay.exited() })
			delay = time.Duration(rng.Int64N(int64(1500 * time.Millisecond)))
		}
		select {
		case <-relay.done:
			t.Fatalf("trial %d: the relay exited by itself:\n%s", i, relay.stderr.String())
		case <-time.After(delay):
		}
		_ = relay.cmd.Process.Signal(syscall.SIGKILL)
		<-relay.done
		accepted := len(rcv.Accepted())
		if accepted < total {
			midway++
		}
		t.Logf("trial %d: killed after %s with %d of %d events accepted (%d calls)", i, delay.Round(time.Millisecond), accepted, total, len(rcv.Calls()))
	}
	if midway < trials/2 {
		t.Errorf("only %d of %d kills landed before the events were delivered; the test proves little", midway, trials)
	}

	// One more run, so the last relay has new events as well as the
	// killed ones' leftovers.
	p.Advance(30, 1)
	p.Run(func(c *extract.Config) { c.Mode = "full" }) // finds the purged employees: employee.removed
	evs := p.Lifecycle()
	wantRejected := map[string]bool{}
	for _, e := range evs {
		if e.Type == rejected {
			wantRejected[e.ID] = true
		}
	}
	relay := startRelay(t, p.Brokers, rcv.URL)
	t.Cleanup(func() {
		if t.Failed() {
			_ = os.WriteFile(filepath.Join(os.TempDir(), "relay-kill-test.log"), []byte(relay.stderr.String()), 0o644)
		}
	})
	testenv.Eventually(t, 3*time.Minute, "every event delivered or dead-lettered", func() bool {
		acc := rcv.Accepted()
		for _, e := range evs {
			if _, ok := acc[e.ID]; !ok && e.Type != rejected {
				return false
			}
		}
		return len(dlqIDs(p)) == len(wantRejected)
	})
	checkOps(t, relay, rcv.URL)
	_ = relay.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-relay.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("relay still running 30s after SIGTERM:\n%s", relay.stderr.String())
	}
	if code := relay.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("relay exited %d after SIGTERM:\n%s", code, relay.stderr.String())
	}
	redelivered := rcv.Check(t, evs)
	for id := range dlqIDs(p) {
		if !wantRejected[id] {
			t.Errorf("event %s is in the relay DLQ but was not rejected", id)
		}
	}
	t.Logf("%d events, %d calls, %d redeliveries after kills", len(evs), len(rcv.Calls()), redelivered)
}

// checkOps reads the ops address from the relay's start line and checks
// /healthz, /readyz and /metrics (deliveries by type and outcome, latency,
// retries, lag), with no secret in the metrics.
func checkOps(t *testing.T, relay *proc, url string) {
	t.Helper()
	var addr string
	for _, line := range strings.Split(relay.stderr.String(), "\n") {
		var rec struct {
			Msg     string `json:"msg"`
			OpsAddr string `json:"ops_addr"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "relay starting" {
			addr = rec.OpsAddr
		}
	}
	if addr == "" {
		t.Fatal("the relay's start line names no ops_addr")
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(path); code != http.StatusOK {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	// The last relay may find everything delivered by the killed ones and
	// commit only at its first interval: wait for the series to appear.
	var metrics string
	testenv.Eventually(t, 30*time.Second, "the relay's metrics", func() bool {
		_, metrics = get("/metrics")
		for _, want := range []string{`ukgpro_relay_events_total{outcome="delivered",type="employee.hired"}`,
			`ukgpro_relay_call_seconds_bucket{route="default"`, `ukgpro_relay_retries_total{reason="5xx",route="default"}`,
			`ukgpro_relay_lag{partition="0",topic="ukgpro.lifecycle"}`, `ukgpro_relay_commits_total{result="ok"}`} {
			if !strings.Contains(metrics, want) {
				return false
			}
		}
		return true
	})
	for _, secret := range []string{signingKey, token, url} {
		if strings.Contains(metrics, secret) {
			t.Errorf("a secret (%.12s…) is in /metrics", secret)
		}
	}
}

// dlqIDs returns the ce_ids in the relay DLQ with status 400 (a kill
// after a dead letter's write and before its commit may write it twice).
func dlqIDs(p *pipeline.Pipeline) map[string]bool {
	out := map[string]bool{}
	for _, m := range p.Messages(kafkax.RelayDLQ) {
		if string(m.Header("relay_status")) == "400" {
			out[string(m.Header("ce_id"))] = true
		}
	}
	return out
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
