package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// loaderProgram is cmd/loader's binary, built once per test process.
var loaderProgram = testenv.Program{Package: "github.com/ukgpro-stream/ukgpro-stream/cmd/loader"}

func TestMain(m *testing.M) {
	code := m.Run()
	loaderProgram.Remove()
	os.Exit(code)
}

// loaderBinary builds cmd/loader once per test process.
func loaderBinary(tb testing.TB) string { return loaderProgram.Path(tb) }

func loaderEnv(kc kafkax.Config, root string, extra ...string) []string {
	return append(append(os.Environ(),
		"KAFKA_BROKERS="+strings.Join(kc.Brokers, ","),
		"KAFKA_REPLICATION_FACTOR=1",
		"KAFKA_PARTITIONS="+fmt.Sprint(kc.Partitions),
		"LOADER_OUTPUT="+root,
		"LOADER_GROUP_ID=proc-loader",
		"LOADER_ROTATE_ROWS=40",
		"LOADER_FLUSH_INTERVAL=100ms",
		"LOADER_FETCH_MAX_WAIT=100ms",
		"LOADER_SESSION_TIMEOUT=1s",
		"LOADER_HEARTBEAT_INTERVAL=100ms",
		"LOADER_REBALANCE_TIMEOUT=1s",
		"LOADER_JOIN_GROUP_BACKOFF=100ms",
		"LOG_LEVEL=warn",
		"LOG_FORMAT=text",
		"OPS_ADDR=",
	), extra...)
}

// startLoader starts the binary; its stderr goes to the test log.
func startLoader(t testing.TB, env []string, args ...string) (*exec.Cmd, <-chan error) {
	t.Helper()
	return startProgram(t, loaderBinary(t), env, args...)
}

// startProgram starts the loader binary at path.
func startProgram(t testing.TB, path string, env []string, args ...string) (*exec.Cmd, <-chan error) {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if testing.Verbose() {
				t.Logf("loader[%d]: %s", cmd.Process.Pid, sc.Text())
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	done := make(chan error, 1)
	go func() {
		<-logged
		done <- cmd.Wait()
	}()
	return cmd, done
}

// TestKill9AtRandomMomentsLeavesArchiveExact kills a real loader process
// with SIGKILL at random moments, over and over, while records arrive; a
// final `loader --drain` must exit 0 and leave every record exactly once.
func TestKill9AtRandomMomentsLeavesArchiveExact(t *testing.T) {
	trials := 10
	if testing.Short() {
		trials = 3
	}
	kc := testKafka(t, 3)
	root := t.TempDir()
	emp, jh := kc.Topic(kafkax.Employees), kc.Topic(kafkax.JobHistory)
	produce(t, kc, emp, employees(0, 2000)...)
	produce(t, kc, jh, gen(jobHistory, 0, 600)...)
	env := loaderEnv(kc, root)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	next := 2000
	last := map[int]int64{} // -1: nothing committed yet (Kafka's answer then)
	for p := range kc.Partitions {
		last[p] = -1
	}
	for trial := range trials {
		// The group's committed offsets only move forward.
		for p, off := range committedOffsets(t, kc, "proc-loader", emp) {
			if off < last[p] {
				t.Errorf("trial %d: committed offset of %s/%d went back from %d to %d", trial, emp, p, last[p], off)
			}
			last[p] = max(last[p], off)
		}
		t.Logf("trial %d: committed %v", trial, last)
		cmd, done := startLoader(t, env)
		// Records keep arriving while it runs.
		produce(t, kc, emp, employees(next, next+150)...)
		next += 150
		if trial == 0 {
			// The first trial kills a loader known to be at work (on a
			// loaded machine, start-up and the group join can outlast
			// a short random delay in every trial).
			poll(t, 30*time.Second, "the first published file", func() bool { return len(listFiles(t, root, emp)) > 0 })
		}
		delay := time.Duration(200+rng.IntN(2300)) * time.Millisecond
		select {
		case err := <-done:
			t.Fatalf("trial %d: loader exited by itself: %v", trial, err)
		case <-time.After(delay):
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		t.Logf("trial %d: killed after %s; %d files", trial, delay, len(listFiles(t, root, emp))+len(listFiles(t, root, jh)))
	}
	if len(listFiles(t, root, emp)) == 0 {
		t.Fatal("no file was published in any trial: the kills never hit a working loader")
	}

	t.Logf("before the drain: committed %v", committedOffsets(t, kc, "proc-loader", emp))
	_, done := startLoader(t, append(env, "LOG_LEVEL=info"), "--drain")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("loader --drain: %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("loader --drain did not finish")
	}
	db := openDuck(t)
	exactness(t, db, root, emp, highWaterMarks(t, kc, emp))
	exactness(t, db, root, jh, highWaterMarks(t, kc, jh))
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// httpGet fetches url uncompressed: the benchmarks poll the loader's
// /metrics every 25 ms, and a gzip writer per answer (about 1 MiB, a large
// allocation near the loader's soft memory limit) would be the loader's
// cost, not a real scraper's (every 15 s or more).
func httpGet(url string) (int, string) {
	cl := http.Client{Timeout: 2 * time.Second}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// poll calls f until it returns true or d passes.
func poll(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	testenv.Eventually(t, d, what, f)
}

// TestSIGTERMFlushesCommitsAndExitsZero runs the binary as a service:
// /healthz answers, /readyz turns ready once it joined the group, /metrics
// counts what it wrote, and SIGTERM makes it write and commit everything it
// read and exit 0, so a following drain has nothing left to write.
func TestSIGTERMFlushesCommitsAndExitsZero(t *testing.T) {
	kc := testKafka(t, 2)
	root := t.TempDir()
	emp := kc.Topic(kafkax.Employees)
	addr := freeAddr(t)
	env := loaderEnv(kc, root, "OPS_ADDR="+addr, "LOADER_FLUSH_INTERVAL=1h", "LOADER_ROTATE_ROWS=1000000")
	cmd, done := startLoader(t, env)
	poll(t, 20*time.Second, "/healthz", func() bool { c, _ := httpGet("http://" + addr + "/healthz"); return c == 200 })
	poll(t, 20*time.Second, "/readyz", func() bool { c, _ := httpGet("http://" + addr + "/readyz"); return c == 200 })
	produce(t, kc, emp, employees(100, 400)...) // all on 2026-03-02
	// Nothing rotates or flushes by time: the rows sit in memory until
	// SIGTERM. Wait until the lag is zero, i.e. everything was read.
	poll(t, 30*time.Second, "300 messages read", func() bool {
		c, body := httpGet("http://" + addr + "/metrics")
		return c == 200 && strings.Contains(body, fmt.Sprintf(`ukgpro_loader_messages_read_total{topic="%s"} 300`, emp))
	})
	if _, body := httpGet("http://" + addr + "/metrics"); !lagZero(body, emp) {
		t.Errorf("consumer lag is not 0 after everything was read:\n%s", grepLines(body, "ukgpro_loader_consumer_lag"))
	}
	if n := len(listFiles(t, root, emp)); n != 0 {
		t.Fatalf("%d files before SIGTERM; the test wants rows still buffered", n)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("loader after SIGTERM: %v (want exit 0)", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("loader did not exit after SIGTERM")
	}
	db := openDuck(t)
	exactness(t, db, root, emp, highWaterMarks(t, kc, emp))
	files := listFiles(t, root, emp)

	// Committed too: a drain finds nothing new to write.
	_, done = startLoader(t, loaderEnv(kc, root), "--drain")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if after := listFiles(t, root, emp); len(after) != len(files) {
		t.Fatalf("drain after SIGTERM wrote files again: %v -> %v", files, after)
	}
}

// TestBadTopicNameStopsAtStart: a LOADER_TOPICS name that is not a topic of
// the contract (here with the prefix) stops the loader before it connects,
// with exit 2 and one line naming it and the valid names.
func TestBadTopicNameStopsAtStart(t *testing.T) {
	cmd := exec.Command(loaderBinary(t), "--drain")
	cmd.Env = append(os.Environ(), "KAFKA_BROKERS=127.0.0.1:1", "LOADER_OUTPUT="+t.TempDir(), "LOADER_TOPICS=employees,ukgpro.employees", "OPS_ADDR=")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2; output:\n%s", err, out)
	}
	want := `loader: LOADER_TOPICS: "ukgpro.employees" is not a topic of the contract; valid names (without KAFKA_TOPIC_PREFIX): employees,people,job-history,compensation,lifecycle,dlq,companies,org-levels,jobs,locations,positions,contacts,pto-plans,direct-deposit,global-banks,contracts` + "\n"
	if string(out) != want {
		t.Fatalf("output:\n%q\nwant:\n%q", out, want)
	}
}

// lagZero reports whether every lag series of topic in a /metrics body is 0.
func lagZero(body, topic string) bool {
	found := false
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "ukgpro_loader_consumer_lag{") && strings.Contains(line, `topic="`+topic+`"`) {
			found = true
			if !strings.HasSuffix(line, "} 0") {
				return false
			}
		}
	}
	return found
}

func grepLines(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// committedOffsets returns the group's committed offset of each partition
// of topic (-1: none).
func committedOffsets(t testing.TB, kc kafkax.Config, group, topic string) map[int]int64 {
	t.Helper()
	cl := &kafka.Client{Transport: testenv.Transport(t), Addr: kafka.TCP(kc.Brokers...), Timeout: 10 * time.Second}
	var parts []int
	for p := range kc.Partitions {
		parts = append(parts, p)
	}
	res, err := cl.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int64{}
	for _, p := range res.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// TestDrainTakesOverFromADeadMember: a loader is killed right after it
// joined the group; a drain started at once must wait for the dead
// member's partitions to come back to the group, archive them, and only
// then exit 0.
func TestDrainTakesOverFromADeadMember(t *testing.T) {
	kc := testKafka(t, 3)
	root := t.TempDir()
	emp := kc.Topic(kafkax.Employees)
	produce(t, kc, emp, employees(0, 600)...)
	addr := freeAddr(t)
	// The victim holds its rows in memory: it writes nothing before it dies.
	cmd, done := startLoader(t, loaderEnv(kc, root, "OPS_ADDR="+addr, "LOADER_FLUSH_INTERVAL=1h", "LOADER_ROTATE_ROWS=100000"))
	poll(t, 20*time.Second, "/readyz", func() bool { c, _ := httpGet("http://" + addr + "/readyz"); return c == 200 })
	drained, ddone := startLoader(t, append(loaderEnv(kc, root), "LOG_LEVEL=debug"), "--drain")
	_ = drained
	// Let the drain join alongside the victim, then kill the victim.
	poll(t, 20*time.Second, "a rebalance that includes the drain", func() bool {
		_, body := httpGet("http://" + addr + "/metrics")
		return strings.Contains(body, "ukgpro_loader_generations_total 2")
	})
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	select {
	case err := <-ddone:
		if err != nil {
			t.Fatalf("loader --drain: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("loader --drain did not finish after the other member died")
	}
	exactness(t, openDuck(t), root, emp, highWaterMarks(t, kc, emp))
}
