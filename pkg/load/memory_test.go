package load

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// memoryCgroupRoot is where these machines mount the cgroup v1 memory
// controller; tests run as root and may create groups in it.
const memoryCgroupRoot = "/sys/fs/cgroup/memory"

// memoryCgroup creates a cgroup v1 memory group limited to limit bytes
// (memory and memory+swap) and removes it when the test ends. It skips the
// test, saying why, where no memory controller is mounted.
func memoryCgroup(tb testing.TB, limit int64) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(memoryCgroupRoot, "memory.limit_in_bytes")); err != nil {
		tb.Skipf("no cgroup v1 memory controller at %s (%v): the memory limit cannot be tested here", memoryCgroupRoot, err)
	}
	dir := filepath.Join(memoryCgroupRoot, fmt.Sprintf("ukgpro-loader-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		tb.Fatalf("create memory cgroup: %v", err)
	}
	tb.Cleanup(func() {
		// Empty once the loader has exited and been reaped.
		if err := os.Remove(dir); err != nil {
			tb.Errorf("remove memory cgroup: %v", err)
		}
	})
	for _, f := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
		err := os.WriteFile(filepath.Join(dir, f), []byte(strconv.FormatInt(limit, 10)), 0o644)
		if err != nil && !(f == "memory.memsw.limit_in_bytes" && errors.Is(err, os.ErrNotExist)) {
			tb.Fatalf("set %s: %v", f, err)
		}
	}
	return dir
}

func cgroupValue(tb testing.TB, dir, name string) int64 {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// produceEmployment writes n employment records of the benchmark's shape
// (about 2.9 KB each) to topic, all stamped within one extractor run.
func produceEmployment(tb testing.TB, kc kafkax.Config, topic string, n int) {
	tb.Helper()
	reg, err := schema.Load()
	if err != nil {
		tb.Fatal(err)
	}
	fields := reg.Topic(kafkax.Employees).Fields
	var sb strings.Builder
	batch := make([]kafka.Message, 0, 5000)
	for i := 0; i < n; i++ {
		sb.Reset()
		employmentRecord(&sb, fields, i)
		m := message(fmt.Sprintf("C0001/E%011d", i), sb.String(), 0, "employees/v1.0")
		m.Time = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
		batch = append(batch, m)
		if len(batch) == cap(batch) || i == n-1 {
			produce(tb, kc, topic, batch...)
			batch = batch[:0]
		}
	}
}

// catchUp runs `loader --drain` at its default settings inside a fresh
// memory cgroup of limit bytes (the process joins the group before it
// starts, so automemlimit sees the limit) over n records on the given
// partitions, and returns the group's peak usage (memory.max_usage_in_bytes,
// page cache included) and the loader's peak RSS. An OOM kill fails it.
func catchUp(tb testing.TB, n, partitions int, limit int64) (cgroupPeak, rss int64, elapsed time.Duration) {
	tb.Helper()
	kc := testKafka(tb, partitions)
	emp := kc.Topic(kafkax.Employees)
	produceEmployment(tb, kc, emp, n)
	dir := memoryCgroup(tb, limit)
	root := tb.TempDir()
	env := loaderEnv(kc, root, "LOADER_TOPICS=employees", "LOADER_ROTATE_ROWS=500000", "LOADER_FLUSH_INTERVAL=1m",
		"LOADER_GROUP_ID=cgroup-catch-up")
	cmd := exec.Command("/bin/sh", "-c", `echo $$ > "$CGROUP_PROCS" && exec "$0" "$@"`, loaderBinary(tb), "--drain")
	cmd.Env = append(env, "CGROUP_PROCS="+filepath.Join(dir, "cgroup.procs"))
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	elapsed = time.Since(start)
	if err != nil {
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		oom, _ := os.ReadFile(filepath.Join(dir, "memory.oom_control"))
		tb.Fatalf("loader --drain in a %d MiB memory cgroup: %v (signal %v; peak usage %d MiB; memory.oom_control: %s)", limit>>20, err, ws.Signal(),
			cgroupValue(tb, dir, "memory.max_usage_in_bytes")>>20, strings.Join(strings.Fields(string(oom)), " "))
	}
	var rows int64
	if err := openDuck(tb).QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s')`, glob(root, emp))).Scan(&rows); err != nil {
		tb.Fatal(err)
	}
	if rows != int64(n) {
		tb.Fatalf("archived %d rows, want %d", rows, n)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	return cgroupValue(tb, dir, "memory.max_usage_in_bytes"), rss, elapsed
}

// TestCatchUpInA256MiBMemoryCgroup: a loader whose container allows
// 256 MiB catches up on a backlog at its defaults without being OOM-killed
// (GOMEMLIMIT comes from the cgroup). BenchmarkCatchUpInMemoryCgroup runs
// the same with 1,000,000 records.
func TestCatchUpInA256MiBMemoryCgroup(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	limit := int64(envInt("LOADER_TEST_CGROUP_MIB", 256)) << 20
	peak, rss, el := catchUp(t, n, 6, limit)
	t.Logf("%d records on 6 partitions in %s: cgroup of %d MiB, peak %d MiB (page cache included), loader peak RSS %d MiB", n, el.Round(time.Millisecond), limit>>20, peak>>20, rss>>20)
}

// BenchmarkCatchUpInMemoryCgroup catches up on LOADER_BENCH_RECORDS
// (default 1,000,000) employment records in a memory cgroup of
// LOADER_BENCH_CGROUP_MIB (default 256) MiB, on 6 and on 36 partitions, and
// reports the loader's peak RSS (targets: 150 and 200 MiB) and the cgroup's
// peak usage.
func BenchmarkCatchUpInMemoryCgroup(b *testing.B) {
	n := envInt("LOADER_BENCH_RECORDS", 1_000_000)
	limit := int64(envInt("LOADER_BENCH_CGROUP_MIB", 256)) << 20
	for _, partitions := range []int{6, 36} {
		b.Run(fmt.Sprintf("partitions=%d", partitions), func(b *testing.B) {
			for range b.N {
				peak, rss, el := catchUp(b, n, partitions, limit)
				b.ReportMetric(float64(rss)/(1<<20), "peak_rss_MiB")
				b.ReportMetric(float64(peak)/(1<<20), "cgroup_peak_MiB")
				b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
			}
		})
	}
}
