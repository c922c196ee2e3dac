package load

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// Config is the loader's behaviour: which group and topics, when files
// rotate, how the consumer group is tuned. Kafka connection settings live in
// kafkax.Config and the archive's in archive.Config; cmd/loader nests all
// three.
type Config struct {
	GroupID string   `env:"LOADER_GROUP_ID, default=ukgpro-loader" desc:"Kafka consumer group of the loaders; run several loaders with one group to share the partitions"`
	Topics  []string `env:"LOADER_TOPICS" desc:"topics to archive, names without KAFKA_TOPIC_PREFIX (default: every data topic and dlq: employees, people, job-history, compensation, lifecycle, the configuration topics, contacts, pto-plans, direct-deposit, global-banks, contracts)"`

	RotateRows       int           `env:"LOADER_ROTATE_ROWS, default=500000" desc:"a partition's file is closed after this many rows"`
	RotateBytes      int64         `env:"LOADER_ROTATE_BYTES, default=67108864" desc:"a partition's file is closed once this many bytes of messages (values and keys) are buffered for it"`
	MemoryBytes      int64         `env:"LOADER_MEMORY_BYTES, default=134217728" desc:"memory the loader may use, whatever the number of partitions: the Go soft memory limit when GOMEMLIMIT is unset (90% of the container's memory limit when that is lower; the lower of the two budgets applies), divided into the fetch budget, the Arrow batches' budget and the page buffers of the Parquet writers, one per core up to 4 (decisions 0135, 0142)"`
	BatchBytes       int64         `env:"LOADER_BATCH_BYTES, default=524288" desc:"size of a partition's Arrow record batch, in bytes of messages: a full batch is staged on local disk ($TMPDIR) until the partition's pending rows make a Parquet row group (PARQUET_ROW_GROUP_BYTES / 2 of messages) or are published; with many partitions assigned, at most LOADER_BUFFER_BYTES / (4 x partitions)"`
	BufferBytes      int64         `env:"LOADER_BUFFER_BYTES, default=0" desc:"memory budget of the Arrow batches of all partitions together; over it, the partitions holding the most stage theirs on local disk early (bounds memory; row groups and files are not cut); 0: LOADER_MEMORY_BYTES / 4"`
	RotateInterval   time.Duration `env:"LOADER_ROTATE_INTERVAL, default=24h" desc:"largest span of record time (Kafka timestamps) in one file; a change of UTC date always rotates"`
	FlushInterval    time.Duration `env:"LOADER_FLUSH_INTERVAL, default=1m" desc:"wall-clock time after which buffered rows are written and committed even if no rotation limit was reached"`
	FetchMaxBytes    int           `env:"LOADER_FETCH_MAX_BYTES, default=10485760" desc:"largest fetch response per partition, in bytes"`
	FetchBufferBytes int           `env:"LOADER_FETCH_BUFFER_BYTES, default=0" desc:"fetch budget of all assigned partitions together: each partition's fetch is this divided by the number of assigned partitions (at least 64 KiB, at most LOADER_FETCH_MAX_BYTES), so fetch memory does not grow with partitions; 0: LOADER_MEMORY_BYTES / 8"`
	FetchMaxWait     time.Duration `env:"LOADER_FETCH_MAX_WAIT, default=500ms" desc:"how long the broker may hold a fetch waiting for data"`

	SessionTimeout    time.Duration `env:"LOADER_SESSION_TIMEOUT, default=30s" desc:"consumer group session timeout: a loader that sends no heartbeat for this long loses its partitions"`
	HeartbeatInterval time.Duration `env:"LOADER_HEARTBEAT_INTERVAL, default=3s" desc:"consumer group heartbeat interval; also how quickly a loader notices a rebalance"`
	RebalanceTimeout  time.Duration `env:"LOADER_REBALANCE_TIMEOUT, default=30s" desc:"how long the group waits for members to rejoin during a rebalance"`
	JoinGroupBackoff  time.Duration `env:"LOADER_JOIN_GROUP_BACKOFF, default=2s" desc:"wait before joining the group again after an error"`
	CommitTimeout     time.Duration `env:"LOADER_COMMIT_TIMEOUT, default=10s" desc:"deadline of one offset commit (and of other group coordinator requests)"`
	DLQTimeout        time.Duration `env:"LOADER_DLQ_TIMEOUT, default=30s" desc:"deadline of one dead-letter write before it is retried"`

	Drain bool `flag:"drain" desc:"consume until every partition of the topics is archived and committed up to its high-water mark at start (group-wide), then exit 0"`
}

// Validate reports every setting that cannot work, naming its variable.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if strings.TrimSpace(c.GroupID) == "" {
		bad("LOADER_GROUP_ID must not be empty")
	}
	for _, t := range c.Topics {
		switch {
		case strings.TrimSpace(t) == "":
			bad("LOADER_TOPICS has an empty topic name")
		case !slices.Contains(kafkax.DataTopics, t):
			// A typo, or a name with KAFKA_TOPIC_PREFIX: consuming it would
			// create and archive an empty topic and exit 0.
			bad("LOADER_TOPICS: %q is not a topic of the contract; valid names (without KAFKA_TOPIC_PREFIX): %s", t, strings.Join(kafkax.DataTopics, ","))
		}
	}
	if c.RotateRows < 1 {
		bad("LOADER_ROTATE_ROWS must be at least 1, got %d", c.RotateRows)
	}
	if c.RotateBytes < 1 {
		bad("LOADER_ROTATE_BYTES must be at least 1, got %d", c.RotateBytes)
	}
	if c.BatchBytes < 1 {
		bad("LOADER_BATCH_BYTES must be at least 1, got %d", c.BatchBytes)
	}
	if c.MemoryBytes < minMemoryBytes {
		bad("LOADER_MEMORY_BYTES must be at least %d (32 MiB), got %d", minMemoryBytes, c.MemoryBytes)
	}
	if c.BufferBytes < 0 {
		bad("LOADER_BUFFER_BYTES must not be negative, got %d", c.BufferBytes)
	}
	if c.RotateInterval <= 0 {
		bad("LOADER_ROTATE_INTERVAL must be positive, got %s", c.RotateInterval)
	}
	if c.FlushInterval <= 0 {
		bad("LOADER_FLUSH_INTERVAL must be positive, got %s", c.FlushInterval)
	}
	if c.FetchMaxBytes < 1024 {
		bad("LOADER_FETCH_MAX_BYTES must be at least 1024, got %d", c.FetchMaxBytes)
	}
	if c.FetchBufferBytes != 0 && c.FetchBufferBytes < 1024 {
		bad("LOADER_FETCH_BUFFER_BYTES must be 0 or at least 1024, got %d", c.FetchBufferBytes)
	}
	if c.FetchMaxWait <= 0 {
		bad("LOADER_FETCH_MAX_WAIT must be positive, got %s", c.FetchMaxWait)
	}
	if c.SessionTimeout < time.Second {
		bad("LOADER_SESSION_TIMEOUT must be at least 1s, got %s", c.SessionTimeout)
	}
	if c.HeartbeatInterval <= 0 || c.HeartbeatInterval >= c.SessionTimeout {
		bad("LOADER_HEARTBEAT_INTERVAL must be positive and below LOADER_SESSION_TIMEOUT (%s), got %s", c.SessionTimeout, c.HeartbeatInterval)
	}
	if c.RebalanceTimeout < time.Second {
		bad("LOADER_REBALANCE_TIMEOUT must be at least 1s, got %s", c.RebalanceTimeout)
	}
	if c.JoinGroupBackoff <= 0 {
		bad("LOADER_JOIN_GROUP_BACKOFF must be positive, got %s", c.JoinGroupBackoff)
	}
	if c.CommitTimeout <= 0 {
		bad("LOADER_COMMIT_TIMEOUT must be positive, got %s", c.CommitTimeout)
	}
	if c.DLQTimeout <= 0 {
		bad("LOADER_DLQ_TIMEOUT must be positive, got %s", c.DLQTimeout)
	}
	return errors.Join(errs...)
}

// minMemoryBytes is the smallest LOADER_MEMORY_BYTES: below it the fixed
// part (zstd encoders, one per core, the program itself) leaves nothing to
// divide.
const minMemoryBytes = 32 << 20

// partitionFloorBytes is about what an assigned partition holds when its
// shares of the budget are at their floors (a 64 KiB fetch and kafka-go's
// decompressed copy of it, a 64 KiB Arrow batch at twice that, queued
// messages, the stage file's write buffer): below it per partition, memory
// grows with the partitions (decision 0142).
const partitionFloorBytes = 1 << 20

// MemoryLimit returns the memory budget in effect and the Go soft memory
// limit the loader should set (0: leave the runtime's alone), from
// LOADER_MEMORY_BYTES, the GOMEMLIMIT the runtime parsed (set: whether the
// variable is set at all) and the container's memory limit (0: none).
// GOMEMLIMIT, when set, is the operator's limit and lowers the budget to
// it; otherwise the limit is the budget, lowered to 90% of the container's
// limit, so the collector works harder before the kernel would kill the
// process (decision 0135).
func MemoryLimit(budget, gomemlimit int64, set bool, container uint64) (effective, limit int64) {
	if set {
		return max(min(budget, gomemlimit), minMemoryBytes), 0
	}
	if container > 0 && container < math.MaxInt64 {
		budget = min(budget, int64(float64(container)*0.9))
	}
	budget = max(budget, minMemoryBytes)
	return budget, budget
}

// withBudget fills the budgets left at 0 from MemoryBytes: a quarter for
// the partitions' Arrow batches (LOADER_BUFFER_BYTES), an eighth for
// fetches (LOADER_FETCH_BUFFER_BYTES), an eighth for the page buffers of
// the pooled Parquet writers (pageBytes). The rest is what the Go
// collector needs above the live set to keep up, kafka-go's decompressed
// fetches, the row groups the pooled writers are building, the zstd
// encoders (one per core), the footers of publications being joined and
// the program itself (decisions 0135, 0142).
func (c Config) withBudget() Config {
	if c.MemoryBytes <= 0 {
		c.MemoryBytes = 128 << 20
	}
	if c.BufferBytes == 0 {
		c.BufferBytes = c.MemoryBytes / 4
	}
	if c.FetchBufferBytes == 0 {
		c.FetchBufferBytes = int(c.MemoryBytes / 8)
	}
	return c
}
