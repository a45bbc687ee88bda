package inbound

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// TestCollectPlan_CorrectedSamplesGolden plans every corrected public
// pain.008 sample (pain008's testdata, dated after planToday) into the
// requests it becomes, compares them with testdata/collect/*.golden.json
// (-update rewrites them), and checks each request body against Atlar's
// published schema (CreateCounterpartyRequest, CreateMandateRequest,
// CreateDirectDebitRequest) with the ids Atlar gives at submission filled in.
func TestCollectPlan_CorrectedSamplesGolden(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(batchSpecPath(t))
	require.NoError(t, err)
	schema := func(name string) *openapi3.Schema {
		s := doc.Components.Schemas[name]
		require.NotNil(t, s, name)
		return s.Value
	}
	check := func(name string, body any) {
		t.Helper()
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		var v any
		require.NoError(t, json.Unmarshal(raw, &v))
		require.NoError(t, schema(name).VisitJSON(v, openapi3.VisitAsRequest()), "%s must match Atlar's schema:\n%s", name, raw)
	}
	dir := filepath.Join("..", "pain008", "testdata", "corrected")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	r := &Route{Name: "collections", Format: FormatPain008}
	require.NoError(t, r.check())
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			data = regexp.MustCompile(`<ReqdColltnDt>[^<]*</ReqdColltnDt>`).ReplaceAll(data, []byte("<ReqdColltnDt>2026-03-12</ReqdColltnDt>"))
			data = regexp.MustCompile(`(?s)(<CdtrAcct>\s*<Id>\s*<IBAN>)[^<]*(</IBAN>)`).ReplaceAll(data, []byte("${1}DE89370400440532013000${2}"))
			plan, probs, err := BuildPlan(context.Background(), r, PlanInput{FileID: planFileID, Data: data, Today: planToday}, testResolver())
			require.NoError(t, err)
			require.Empty(t, probs)
			require.Len(t, plan.Collections, len(plan.Payments))
			require.Regexp(t, `^pain\.008\.`, plan.Original.MsgNameID)
			for _, c := range plan.Collections {
				require.Equal(t, "acc-eur", c.DirectDebit.Destination.ID)
				check("CreateCounterpartyRequest", c.Counterparty)
				m := c.Mandate
				m.ExternalAccountID = "00000000-0000-0000-0000-000000000001"
				check("CreateMandateRequest", m)
				d := c.DirectDebit
				d.Source.ID = "00000000-0000-0000-0000-000000000002"
				check("CreateDirectDebitRequest", d)
			}
			got, err := json.MarshalIndent(struct {
				Original    any
				Payments    any
				Collections any
			}{plan.Original, plan.Payments, plan.Collections}, "", "  ")
			require.NoError(t, err)
			golden := filepath.Join("testdata", "collect", e.Name()+".golden.json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			require.JSONEq(t, string(want), string(got))
		})
	}
}
