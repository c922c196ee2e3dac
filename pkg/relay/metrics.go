package relay

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	events   *prometheus.CounterVec   // type, outcome
	calls    *prometheus.CounterVec   // route, status class
	latency  *prometheus.HistogramVec // route
	retries  *prometheus.CounterVec   // route, reason
	lag      *prometheus.GaugeVec     // topic, partition
	inFlight prometheus.Gauge
	pending  prometheus.Gauge
	commits  *prometheus.CounterVec // result
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ukgpro_relay_events_total",
			Help: "Lifecycle events finished, by type and outcome: delivered (every matching route answered 2xx), dead_lettered (in the relay DLQ), unrouted (no route matches)."},
			[]string{"type", "outcome"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ukgpro_relay_calls_total",
			Help: "HTTP calls made, by route and result: 2xx, 3xx, 4xx, 5xx, timeout or error."}, []string{"route", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ukgpro_relay_call_seconds",
			Help: "Duration of one HTTP call, by route.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}, []string{"route"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ukgpro_relay_retries_total",
			Help: "Calls retried, by route and reason: 5xx, 429, 408, timeout or error."}, []string{"route", "reason"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ukgpro_relay_lag",
			Help: "Events of a partition past the committed offset (high-water mark minus committed offset)."}, []string{"topic", "partition"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ukgpro_relay_calls_in_flight", Help: "HTTP calls in flight."}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ukgpro_relay_pending_events",
			Help: "Events read but not yet delivered or dead-lettered, all partitions."}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ukgpro_relay_commits_total",
			Help: "Offset commits, by result (ok, error)."}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.events, m.calls, m.latency, m.retries, m.lag, m.inFlight, m.pending, m.commits)
	}
	return m
}
