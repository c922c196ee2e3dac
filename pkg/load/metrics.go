package load

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the loader's Prometheus series, registered on the registry
// the program passes in.
type metrics struct {
	lag        *prometheus.GaugeVec
	read       *prometheus.CounterVec
	rows       *prometheus.CounterVec
	bytes      *prometheus.CounterVec
	files      *prometheus.CounterVec
	growths    *prometheus.CounterVec
	flush      *prometheus.HistogramVec
	dlq        *prometheus.CounterVec
	commits    *prometheus.CounterVec
	fenced     *prometheus.CounterVec
	assigned   prometheus.Gauge
	rebalances prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ukgpro_loader_consumer_lag",
			Help: "Messages between the partition's high-water mark and the next offset the loader will read.",
		}, []string{"topic", "partition"}),
		read: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_messages_read_total",
			Help: "Messages consumed (archived, dead-lettered or buffered), counted again when re-read after a rebalance or restart.",
		}, []string{"topic"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_rows_written_total",
			Help: "Rows written to published Parquet files.",
		}, []string{"topic"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_bytes_written_total",
			Help: "Bytes written to the archive: new files and every rewrite of a growing file.",
		}, []string{"topic"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_files_written_total",
			Help: "New Parquet files published (growths of existing files are counted apart).",
		}, []string{"topic"}),
		growths: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_file_growths_total",
			Help: "Publications that appended rows to the partition's file of the day (replacing it) instead of starting a new file.",
		}, []string{"topic"}),
		flush: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ukgpro_loader_flush_seconds",
			Help:    "Time to encode, write and publish one file and commit its offsets.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"topic"}),
		dlq: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_dlq_messages_total",
			Help: "Messages sent to the dead-letter topic, by origin topic and reason.",
		}, []string{"topic", "reason"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_commits_total",
			Help: "Offset commits, by result.",
		}, []string{"result"}),
		fenced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_loader_fenced_publications_total",
			Help: "Publications the archive refused because another loader had recovered the partition meanwhile (decision 0130); the partition was given up without a commit.",
		}, []string{"topic"}),
		assigned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ukgpro_loader_assigned_partitions",
			Help: "Partitions assigned to this loader in the current generation.",
		}),
		rebalances: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ukgpro_loader_generations_total",
			Help: "Consumer group generations this loader joined.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.lag, m.read, m.rows, m.bytes, m.files, m.growths, m.flush, m.dlq, m.commits, m.fenced, m.assigned, m.rebalances)
	}
	return m
}
