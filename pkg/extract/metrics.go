package extract

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the extractor's Prometheus collectors. They also implement
// ukgpro.Observer, so the API client reports requests and retries into them.
// Labels carry endpoint names, status codes and reasons only: never a
// record value, a key or a credential.
type Metrics struct {
	pages          *prometheus.CounterVec
	records        *prometheus.CounterVec
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	retries        *prometheus.CounterVec
	publishLatency *prometheus.HistogramVec
	lastSuccess    *prometheus.GaugeVec
	runSeconds     *prometheus.HistogramVec
	deletesRefused *prometheus.GaugeVec
	skipped        *prometheus.GaugeVec
}

// NewMetrics creates the collectors and registers them with reg (nil: not
// registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_extractor_pages_total", Help: "UKG pages read.",
		}, []string{"endpoint"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_extractor_messages_total", Help: "Messages produced, by endpoint and outcome (published, dlq).",
		}, []string{"endpoint", "outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_extractor_http_requests_total", Help: "UKG HTTP attempts by endpoint and status (0: no response).",
		}, []string{"endpoint", "status"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ukgpro_extractor_http_request_seconds", Help: "UKG HTTP attempt latency.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}, []string{"endpoint"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ukgpro_extractor_retries_total", Help: "UKG retries by reason (rate_limited, server_error, malformed, timeout, connection).",
		}, []string{"endpoint", "reason"}),
		publishLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ukgpro_extractor_publish_seconds", Help: "Time until Kafka acknowledged a page's messages.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"endpoint"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ukgpro_extractor_last_success_timestamp_seconds", Help: "When each endpoint last finished a run successfully.",
		}, []string{"endpoint"}),
		runSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ukgpro_extractor_endpoint_run_seconds", Help: "Duration of one endpoint's run, by pass (full, incremental) and result (ok, error).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 16), // 1 s to 9 h
		}, []string{"endpoint", "pass", "result"}),
		deletesRefused: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ukgpro_extractor_deletes_refused",
			Help: "Deletions the mass-delete guard refused in the topic's last full pass (0: none; see EXTRACTOR_MAX_DELETE_RATIO).",
		}, []string{"topic"}),
		skipped: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ukgpro_extractor_endpoint_skipped",
			Help: "1 when the endpoint's last run was skipped because the service account lacks its role (an optional endpoint answering 403), else 0.",
		}, []string{"endpoint"}),
	}
	if reg != nil {
		reg.MustRegister(m.pages, m.records, m.requests, m.requestSeconds, m.retries, m.publishLatency, m.lastSuccess, m.runSeconds,
			m.deletesRefused, m.skipped)
	}
	return m
}

// ObserveRequest implements ukgpro.Observer.
func (m *Metrics) ObserveRequest(endpoint string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(endpoint).Observe(elapsed.Seconds())
}

// ObserveRetry implements ukgpro.Observer.
func (m *Metrics) ObserveRetry(endpoint, reason string) {
	m.retries.WithLabelValues(endpoint, reason).Inc()
}

// observeRun records one endpoint run's duration.
func (m *Metrics) observeRun(endpoint string, full bool, err error, elapsed time.Duration) {
	pass, result := "incremental", "ok"
	if full {
		pass = "full"
	}
	if err != nil {
		result = "error"
	}
	m.runSeconds.WithLabelValues(endpoint, pass, result).Observe(elapsed.Seconds())
}
