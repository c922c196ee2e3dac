package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/devkafka"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
)

// pipelineRun is what running the real programs taught: the metric
// families they export and the topics they create.
type pipelineRun struct {
	metrics map[string]*dto.MetricFamily // name -> family, both programs
	topics  map[string]topicInfo         // full Kafka name -> what the programs created
}

type topicInfo struct {
	partitions int
	config     map[string]string
	createdBy  string // the first program after whose start the topic existed
}

var (
	pipeOnce sync.Once
	pipe     *pipelineRun
	pipeErr  error
	stops    []func()
	stopsMu  sync.Mutex
)

func onStop(f func()) {
	stopsMu.Lock()
	defer stopsMu.Unlock()
	stops = append(stops, f)
}

// stopPipeline ends what pipeline started, last started first (TestMain).
func stopPipeline() {
	stopsMu.Lock()
	defer stopsMu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	stops = nil
}

// pipeline runs the extractor, the loader and the relay binaries, built by
// the Dockerfile's command, once for the whole test binary: the extractor
// against the simulator (through a proxy that answers one 429 and breaks one
// record's schema, so retries and dead letters are counted) and the embedded
// broker, with hires backfilled so there are lifecycle events; then the
// loader (after one undecodable message, so it dead-letters too); then the
// relay, whose webhook answers one 503 (a retry) and one 400 (a dead
// letter). It returns once each has exported every series it has.
func pipeline(t *testing.T) *pipelineRun {
	t.Helper()
	dir := binaries(t)
	pipeOnce.Do(func() { pipe, pipeErr = runPipeline(dir) })
	if pipeErr != nil {
		t.Fatal(pipeErr)
	}
	return pipe
}

func runPipeline(dir string) (*pipelineRun, error) {
	broker, err := devkafka.Start(devkafka.Config{})
	if err != nil {
		return nil, err
	}
	onStop(broker.Close)
	brokers := strings.Join(broker.Addrs(), ",")

	sim, err := ukgsim.New(ukgsim.Config{Employees: 120, Seed: 12})
	if err != nil {
		return nil, err
	}
	simSrv := httptest.NewServer(sim)
	onStop(func() { sim.Close(); simSrv.Close() })
	proxy := faultProxy(simSrv.URL)
	onStop(proxy.Close)

	extOps, err := freeAddr()
	if err != nil {
		return nil, err
	}
	ext, err := startProgram(filepath.Join(dir, "extractor"), map[string]string{
		"UKG_BASE_URL": proxy.URL, "UKG_USERNAME": "svc-demo", "UKG_PASSWORD": "demo-password",
		"UKG_CUSTOMER_API_KEY": "DEMO-KEY", "PII_HMAC_KEY": "deploy-test-hmac-key-0123",
		"KAFKA_BROKERS": brokers, "KAFKA_REPLICATION_FACTOR": "1", "UKG_RATE_LIMIT": "0",
		"UKG_PER_PAGE": "50", "UKG_RETRY_BASE": "10ms", "UKG_RETRY_MAX": "1s", "EXTRACTOR_LINGER": "2ms",
		"EXTRACTOR_INTERVAL": "1h", "OPS_ADDR": extOps, "LOG_FORMAT": "json", "EXTRACTOR_BACKFILL_HIRES": "true",
	})
	if err != nil {
		return nil, err
	}
	endpoints := []string{"employee-employment-details", "person-details", "compensation-details", "employee-job-history-details"}
	extMetrics, err := scrapeUntil(ext, "http://"+extOps+"/metrics", 3*time.Minute, func(m map[string]*dto.MetricFamily) string {
		done := map[string]bool{}
		for _, s := range m["ukgpro_extractor_last_success_timestamp_seconds"].GetMetric() {
			done[label(s, "endpoint")] = true
		}
		for _, ep := range endpoints {
			if !done[ep] {
				return "the extractor's first run of " + ep
			}
		}
		return ""
	})
	if err != nil {
		return nil, err
	}

	run := &pipelineRun{metrics: map[string]*dto.MetricFamily{}, topics: map[string]topicInfo{}}
	if err := run.noteTopics(broker.Addrs(), "extractor"); err != nil {
		return nil, err
	}

	// One message the loader cannot decode: it dead-letters it.
	tr := &kafka.Transport{} // not kafka-go's process-wide one (see testenv.Transport)
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(broker.Addrs()...), Transport: tr, Topic: "ukgpro.employees", RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	werr := w.WriteMessages(context.Background(), kafka.Message{Key: []byte("ACME1/NOTJSON"), Value: []byte("{not json")})
	w.Close()
	if werr != nil {
		return nil, fmt.Errorf("write an undecodable message: %w", werr)
	}

	loadOps, err := freeAddr()
	if err != nil {
		return nil, err
	}
	archiveDir, err := os.MkdirTemp("", "deploy-archive-")
	if err != nil {
		return nil, err
	}
	onStop(func() { os.RemoveAll(archiveDir) })
	ld, err := startProgram(filepath.Join(dir, "loader"), map[string]string{
		"KAFKA_BROKERS": brokers, "KAFKA_REPLICATION_FACTOR": "1", "LOADER_OUTPUT": archiveDir,
		"LOADER_FLUSH_INTERVAL": "1s", "OPS_ADDR": loadOps, "LOG_FORMAT": "json",
	})
	if err != nil {
		return nil, err
	}
	loadMetrics, err := scrapeUntil(ld, "http://"+loadOps+"/metrics", 3*time.Minute, func(m map[string]*dto.MetricFamily) string {
		for _, name := range []string{"ukgpro_loader_files_written_total", "ukgpro_loader_dlq_messages_total",
			"ukgpro_loader_flush_seconds", "ukgpro_loader_consumer_lag", "ukgpro_loader_commits_total"} {
			if len(m[name].GetMetric()) == 0 {
				return "the loader's " + name
			}
		}
		return ""
	})
	if err != nil {
		return nil, err
	}

	if err := run.noteTopics(broker.Addrs(), "loader"); err != nil {
		return nil, err
	}

	var calls atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable) // retried
		case 2:
			w.WriteHeader(http.StatusBadRequest) // dead-lettered
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	onStop(hook.Close)
	relayOps, err := freeAddr()
	if err != nil {
		return nil, err
	}
	rl, err := startProgram(filepath.Join(dir, "ukgpro-relay"), map[string]string{
		"KAFKA_BROKERS": brokers, "KAFKA_REPLICATION_FACTOR": "1", "RELAY_WEBHOOK_URL": hook.URL + "/ukgpro",
		"RELAY_RETRY_BASE": "10ms", "RELAY_RETRY_MAX": "100ms", "OPS_ADDR": relayOps, "LOG_FORMAT": "json",
	})
	if err != nil {
		return nil, err
	}
	relayMetrics, err := scrapeUntil(rl, "http://"+relayOps+"/metrics", 3*time.Minute, func(m map[string]*dto.MetricFamily) string {
		outcomes := map[string]bool{}
		for _, s := range m["ukgpro_relay_events_total"].GetMetric() {
			outcomes[label(s, "outcome")] = true
		}
		if !outcomes["delivered"] || !outcomes["dead_lettered"] {
			return "the relay's delivered and dead-lettered events"
		}
		for _, name := range []string{"ukgpro_relay_retries_total", "ukgpro_relay_call_seconds", "ukgpro_relay_lag", "ukgpro_relay_commits_total"} {
			if len(m[name].GetMetric()) == 0 {
				return "the relay's " + name
			}
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	// The relay creates its DLQ topic at start; wait until the broker lists it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ts, err := describeTopics(broker.Addrs())
		if err != nil {
			return nil, err
		}
		if _, ok := ts["ukgpro."+kafkax.RelayDLQ]; ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the relay started but ukgpro.%s does not exist:\n%s", kafkax.RelayDLQ, tail(rl.stderr))
		}
		select {
		case <-rl.done:
			return nil, fmt.Errorf("the relay exited:\n%s", tail(rl.stderr))
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := run.noteTopics(broker.Addrs(), "ukgpro-relay"); err != nil {
		return nil, err
	}
	for _, m := range []map[string]*dto.MetricFamily{extMetrics, loadMetrics, relayMetrics} {
		for name, f := range m {
			run.metrics[name] = f
		}
	}
	return run, nil
}

// noteTopics records the topics on the broker, attributing new ones to
// prog (just started).
func (r *pipelineRun) noteTopics(addrs []string, prog string) error {
	now, err := describeTopics(addrs)
	if err != nil {
		return err
	}
	for name, ti := range now {
		if _, ok := r.topics[name]; !ok {
			ti.createdBy = prog
			r.topics[name] = ti
		}
	}
	return nil
}

// faultProxy forwards to the simulator but answers the first request of
// person-details with a 429 (Retry-After: 1) and gives the first
// employment record of the first page a number where a string belongs.
func faultProxy(target string) *httptest.Server {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	var limited, broken atomic.Bool
	rp.ModifyResponse = func(res *http.Response) error {
		if !strings.Contains(res.Request.URL.Path, "employee-employment-details") || res.StatusCode != http.StatusOK || broken.Load() {
			return nil
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		var rows []map[string]any
		if json.Unmarshal(body, &rows) == nil && len(rows) > 0 && broken.CompareAndSwap(false, true) {
			rows[0]["homeCompany"] = 42
			body, _ = json.Marshal(rows)
		}
		res.Body = io.NopCloser(bytes.NewReader(body))
		res.ContentLength = int64(len(body))
		res.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "person-details") && limited.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"message":"rate limited"}`, http.StatusTooManyRequests)
			return
		}
		rp.ServeHTTP(w, r)
	}))
}

// program is a running binary.
type program struct {
	name   string
	cmd    *exec.Cmd
	stderr *testenv.Buffer
	done   chan struct{}
}

// tail is the last 3,000 bytes of what b holds.
func tail(b *testenv.Buffer) string {
	s := b.String()
	return s[max(0, len(s)-3000):]
}

func startProgram(path string, env map[string]string) (*program, error) {
	p := &program{name: filepath.Base(path), cmd: exec.Command(path), stderr: &testenv.Buffer{}, done: make(chan struct{})}
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	onStop(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p, nil
}

// scrapeUntil scrapes url until missing returns "" and returns that scrape.
// It gives up when the program exits or the timeout passes, saying what it
// waited for.
func scrapeUntil(p *program, url string, timeout time.Duration, missing func(map[string]*dto.MetricFamily) string) (map[string]*dto.MetricFamily, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	what := "the first scrape"
	for {
		if m, err := scrape(url); err == nil {
			if what = missing(m); what == "" {
				return m, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited while the test waited for %s:\n%s", p.name, what, tail(p.stderr))
		case <-deadline.C:
			return nil, fmt.Errorf("timed out after %s waiting for %s:\n%s", timeout, what, tail(p.stderr))
		case <-tick.C:
		}
	}
}

func scrape(url string) (map[string]*dto.MetricFamily, error) {
	res, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	tp := expfmt.NewTextParser(model.UTF8Validation)
	return tp.TextToMetricFamilies(res.Body)
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// describeTopics lists every topic on the broker with its partition count
// and the configuration it was created with.
func describeTopics(addrs []string) (map[string]topicInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &kafka.Transport{} // not kafka-go's process-wide one (see testenv.Transport)
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(addrs...), Transport: tr, Timeout: 20 * time.Second}
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	out := map[string]topicInfo{}
	req := &kafka.DescribeConfigsRequest{}
	for _, tp := range md.Topics {
		if strings.HasPrefix(tp.Name, "__") { // the broker's own
			continue
		}
		out[tp.Name] = topicInfo{partitions: len(tp.Partitions), config: map[string]string{}}
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{ResourceType: kafka.ResourceTypeTopic, ResourceName: tp.Name})
	}
	res, err := cl.DescribeConfigs(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("describe configs: %w", err)
	}
	for _, r := range res.Resources {
		for _, e := range r.ConfigEntries {
			if e.ConfigSource == 1 { // DYNAMIC_TOPIC_CONFIG: set when the topic was created
				out[r.ResourceName].config[e.ConfigName] = e.ConfigValue
			}
		}
	}
	return out, nil
}
