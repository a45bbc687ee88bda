package mt940

import (
	"io"
	"testing"

	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
)

func BenchmarkRender(b *testing.B) {
	st := bankstmttest.Many(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(b.Context(), io.Discard, Header{StatementNo: 1}, &st, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
