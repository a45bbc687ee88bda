package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func newReportMetrics() (held *prometheus.CounterVec, age *prometheus.GaugeVec) {
	held = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bridge_reports_held_total",
		Help: "Reports not written because their statement does not add up (opening + entries != closing), by format.",
	}, []string{"format"})
	age = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "bridge_report_age_seconds", Help: "Time since the newest report delivered per [[reports]] name and account.",
	}, []string{"report", "account"})
	return held, age
}

// ReportHeld counts a report held because its statement does not add up.
// Delivered reports are counted by Delivered as kind "report.<format>".
func (m *Metrics) ReportHeld(format string) { m.reportsHeld.WithLabelValues(format).Inc() }

// SetReportAge sets how long ago the newest report of a [[reports]]
// entry was delivered for an account.
func (m *Metrics) SetReportAge(report, account string, age time.Duration) {
	m.reportAge.WithLabelValues(report, account).Set(age.Seconds())
}
