// Package metrics exposes the bridge's Prometheus metrics. Journal-derived
// figures (files by state, the oldest file in flight) are read at scrape
// time, so they are never stale and cost nothing between scrapes.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Source is what the scrape-time collector reads from the journal.
type Source interface {
	// FileCounts is route → state → number of files.
	FileCounts() (map[string]map[string]int, error)
	// OldestInFlight is when the oldest file not yet submitted arrived.
	OldestInFlight() (time.Time, bool, error)
}

// Metrics is every metric of one bridge.
type Metrics struct {
	reg              *prometheus.Registry
	atlarCalls       *prometheus.CounterVec
	atlarDuration    *prometheus.HistogramVec
	atlarRetries     *prometheus.CounterVec
	submitLatency    *prometheus.HistogramVec
	delivered        *prometheus.CounterVec
	sftpSessions     prometheus.Gauge
	sftpAuthFailures prometheus.Counter
	stuckFiles       prometheus.Gauge
	statementAge     *prometheus.GaugeVec
	payments         *prometheus.CounterVec
	reportsHeld      *prometheus.CounterVec
	reportAge        *prometheus.GaugeVec
	alertFailures    *prometheus.CounterVec
	alertDropped     *prometheus.CounterVec
}

// New registers the metrics; src feeds the scrape-time gauges.
func New(src Source) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		atlarCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_atlar_requests_total", Help: "HTTP requests to Atlar by endpoint and status (0 = no answer).",
		}, []string{"method", "endpoint", "status"}),
		atlarDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bridge_atlar_request_duration_seconds", Help: "Duration of HTTP requests to Atlar.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}, []string{"method", "endpoint"}),
		atlarRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_atlar_retryable_answers_total", Help: "Answers from Atlar that are retried (network errors, 408, 425, 429, 5xx).",
		}, []string{"endpoint"}),
		submitLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bridge_drop_to_submit_seconds", Help: "Time from a file's claim to Atlar accepting it.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}, []string{"route"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_outbox_files_total", Help: "Files delivered to the outbox by kind (ack, result.xml, result.csv, pending, statement).",
		}, []string{"kind"}),
		sftpSessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bridge_sftp_sessions", Help: "Open SFTP sessions.",
		}),
		sftpAuthFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_sftp_auth_failures_total", Help: "Failed SFTP logins.",
		}),
		stuckFiles: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bridge_files_stuck", Help: "Files in flight longer than alerts.stuck_after.",
		}),
		statementAge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bridge_statement_age_seconds", Help: "Time since the last statement delivered per account.",
		}, []string{"account"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_payments_total", Help: "Payments of files whose tracking ended, by route and final status (EXECUTED, ACCEPTED, REJECTED, FAILED, RETURNED, …).",
		}, []string{"route", "status"}),
		alertFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_alert_delivery_failures_total", Help: "Failed alert delivery attempts by channel (email, webhook).",
		}, []string{"channel"}),
		alertDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_alerts_dropped_total", Help: "Alerts not delivered by channel and reason (gave_up, queue_full, rate_limited, shutdown).",
		}, []string{"channel", "reason"}),
	}
	m.reg.MustRegister(m.payments)
	m.reportsHeld, m.reportAge = newReportMetrics()
	m.reg.MustRegister(m.reportsHeld, m.reportAge)
	m.reg.MustRegister(m.atlarCalls, m.atlarDuration, m.atlarRetries, m.submitLatency, m.delivered,
		m.sftpSessions, m.sftpAuthFailures, m.stuckFiles, m.statementAge, m.alertFailures, m.alertDropped,
		&journalCollector{src: src},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// AtlarCall records one HTTP attempt (atlar.Config.Observe).
func (m *Metrics) AtlarCall(method, endpoint string, status int, d time.Duration) {
	m.atlarCalls.WithLabelValues(method, endpoint, strconv.Itoa(status)).Inc()
	m.atlarDuration.WithLabelValues(method, endpoint).Observe(d.Seconds())
	switch {
	case status == 0, status == 408, status == 425, status == 429, status >= 500:
		m.atlarRetries.WithLabelValues(endpoint).Inc()
	}
}

// Submitted records the claim-to-accepted time of a file.
func (m *Metrics) Submitted(route string, d time.Duration) {
	m.submitLatency.WithLabelValues(route).Observe(d.Seconds())
}

// Delivered counts an outbox file.
func (m *Metrics) Delivered(kind string) { m.delivered.WithLabelValues(kind).Inc() }

// Payment counts one payment of a file whose tracking ended, by its final
// status.
func (m *Metrics) Payment(route, status string) {
	if status == "" {
		status = "UNKNOWN"
	}
	m.payments.WithLabelValues(route, status).Inc()
}

// SFTPSession moves the open-session gauge by delta (+1 open, -1 close).
func (m *Metrics) SFTPSession(delta int) { m.sftpSessions.Add(float64(delta)) }

// SFTPAuthFailure counts a failed login.
func (m *Metrics) SFTPAuthFailure() { m.sftpAuthFailures.Inc() }

// SetStuck sets the number of files in flight too long.
func (m *Metrics) SetStuck(n int) { m.stuckFiles.Set(float64(n)) }

// SetStatementAge sets how long ago an account's last statement arrived.
func (m *Metrics) SetStatementAge(account string, age time.Duration) {
	m.statementAge.WithLabelValues(account).Set(age.Seconds())
}

// AlertDeliveryFailed counts a failed alert delivery attempt.
func (m *Metrics) AlertDeliveryFailed(channel string) { m.alertFailures.WithLabelValues(channel).Inc() }

// AlertDropped counts an alert given up on a channel.
func (m *Metrics) AlertDropped(channel, reason string) {
	m.alertDropped.WithLabelValues(channel, reason).Inc()
}

// journalCollector reads file counts at scrape time.
type journalCollector struct{ src Source }

var (
	filesDesc  = prometheus.NewDesc("bridge_files", "Files in the journal by route and state.", []string{"route", "state"}, nil)
	oldestDesc = prometheus.NewDesc("bridge_oldest_in_flight_seconds", "Age of the oldest file not yet submitted (0 when none).", nil, nil)
)

func (c *journalCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- filesDesc
	ch <- oldestDesc
}

func (c *journalCollector) Collect(ch chan<- prometheus.Metric) {
	if counts, err := c.src.FileCounts(); err == nil {
		for route, m := range counts {
			for st, n := range m {
				ch <- prometheus.MustNewConstMetric(filesDesc, prometheus.GaugeValue, float64(n), route, st)
			}
		}
	}
	age := 0.0
	if t, ok, err := c.src.OldestInFlight(); err == nil && ok {
		age = time.Since(t).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}
