package bai2

import (
	"io"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
)

func BenchmarkRender(b *testing.B) {
	st := []bankstmt.Statement{bankstmttest.Many(10_000)}
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(b.Context(), io.Discard, Header{FileID: 1, Created: time.Now()}, st, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
