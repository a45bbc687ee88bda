package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/plan/*.golden.json")

const (
	planToday  = "2026-03-10"
	planFileID = "01TESTFILE0000000000000000"
)

// staticResolver knows a fixed set of accounts and one connection.
type staticResolver map[string]atlar.Account

func testResolver() staticResolver {
	acc := func(id, iban, cur string) atlar.Account {
		a := atlar.Account{ID: id, Currency: cur, ThirdPartyID: "bank-1"}
		if iban != "" {
			a.Identifiers = []atlar.AccountIdentifier{{Type: "IBAN", Market: iban[:2], Number: iban}}
		}
		return a
	}
	return staticResolver{
		"acc-eur": acc("acc-eur", "DE89370400440532013000", "EUR"),
		"acc-gbp": acc("acc-gbp", "GB33BUKB20201555555555", "GBP"),
		"acc-usd": acc("acc-usd", "", "USD"),
		"acc-jpy": acc("acc-jpy", "", "JPY"),
		"acc-bhd": acc("acc-bhd", "", "BHD"),
	}
}

func (s staticResolver) AccountByIBAN(_ context.Context, iban string) (*atlar.Account, error) {
	for _, a := range s {
		if a.IBAN() == iban {
			return &a, nil
		}
	}
	return nil, errUnknownAccount
}

func (s staticResolver) AccountByID(_ context.Context, id string) (*atlar.Account, error) {
	if a, ok := s[id]; ok {
		return &a, nil
	}
	return nil, errUnknownAccount
}

func (s staticResolver) ConnectionFor(_ context.Context, thirdParty string) (*atlar.Connection, error) {
	if thirdParty == "bank-1" {
		return &atlar.Connection{ID: "conn-1", ThirdPartyID: thirdParty}, nil
	}
	return nil, errUnknownAccount
}

// caseRoute reads testdata/plan/<case>.toml (a [[routes]] entry and its
// profile), or a default CSV route.
func caseRoute(t *testing.T, input string) *Route {
	t.Helper()
	base := "version = 1\n[atlar]\naccess_key = \"k\"\nsecret_env = \"S\"\n"
	snippet, err := os.ReadFile(strings.TrimSuffix(input, filepath.Ext(input)) + ".toml")
	if errors.Is(err, os.ErrNotExist) {
		snippet = []byte("[[routes]]\nname = \"payables\"\nformat = \"csv\"\n")
	} else {
		require.NoError(t, err)
	}
	cfg, err := config.Parse(strings.NewReader(base+string(snippet)), filepath.Base(input))
	require.NoError(t, err)
	r, err := RouteFromConfig(cfg, &cfg.Routes[0])
	require.NoError(t, err)
	require.NoError(t, r.check())
	return &r
}

type planGolden struct {
	Batches     []atlar.CreateCreditTransferBatchRequest `json:"batches,omitempty"`
	Instruction *InstructionPlan                         `json:"instruction,omitempty"`
	Problems    []string                                 `json:"problems,omitempty"`
}

// TestBuildPlan_Golden turns every input under testdata/plan into the
// Atlar requests it would become (or its problems), and checks every batch
// against Atlar's published CreateCreditTransferBatchRequest schema.
func TestBuildPlan_Golden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/plan/*.*")
	require.NoError(t, err)
	schema := batchSchema(t)
	n := 0
	for _, in := range inputs {
		ext := filepath.Ext(in)
		if ext != ".csv" && ext != ".xml" {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(in), ext)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			require.NoError(t, err)
			plan, probs, err := BuildPlan(context.Background(), caseRoute(t, in),
				PlanInput{FileID: planFileID, Name: filepath.Base(in), Data: data, Today: planToday}, testResolver())
			require.NoError(t, err)
			var g planGolden
			for _, p := range probs {
				g.Problems = append(g.Problems, p.String())
			}
			if plan != nil {
				g.Batches, g.Instruction = plan.Batches, plan.Instruction
				for _, b := range plan.Batches {
					requireSchema(t, schema, b)
				}
			}
			checkGolden(t, strings.TrimSuffix(in, ext)+".golden.json", g)
		})
	}
	require.Greater(t, n, 5)
}

func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

// batchSpecPath is Atlar's OpenAPI file in ../shared beside the repository.
func batchSpecPath(t *testing.T) string {
	t.Helper()
	return sharedtest.Dir(t, "atlar", "openapi", "2024-11-08_651fdb9c4db7e30048abd7a7_openapi-3-0.json")
}

// requireSchema checks a batch request against Atlar's published schema.
func requireSchema(t *testing.T, schema *openapi3.Schema, b atlar.CreateCreditTransferBatchRequest) {
	t.Helper()
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	require.NoError(t, schema.VisitJSON(v), "batch must match Atlar's schema:\n%s", raw)
}

func batchSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(batchSpecPath(t))
	require.NoError(t, err)
	s := doc.Components.Schemas["CreateCreditTransferBatchRequest"]
	require.NotNil(t, s)
	return s.Value
}

// TestBuildPlan_SplitsLargeRuns checks a run over 1000 payments becomes
// several batches, in file order, reported as one file.
func TestBuildPlan_SplitsLargeRuns(t *testing.T) {
	var b strings.Builder
	b.WriteString("external_id,source_iban,amount,currency,external_account_id\n")
	const rows = 2500
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "P-%04d,DE89370400440532013000,%d.%02d,EUR,external:fournisseur-sarl-eur\n", i, i, i%100)
	}
	r := caseRoute(t, "testdata/plan/none.csv")
	plan, probs, err := BuildPlan(context.Background(), r, PlanInput{FileID: planFileID, Data: []byte(b.String()), Today: planToday}, testResolver())
	require.NoError(t, err)
	require.Empty(t, probs)
	require.Len(t, plan.Batches, 3)
	require.Equal(t, []int{0, 1000, 2000}, plan.BatchFirst)
	require.Len(t, plan.Payments, rows)
	schema := batchSchema(t)
	seen := map[string]bool{}
	for i, batch := range plan.Batches {
		require.Equal(t, BatchExternalID(planFileID, 0, i), batch.ExternalID)
		require.Equal(t, []int{1000, 1000, 500}[i], len(batch.Payments))
		for k, p := range batch.Payments {
			require.Equal(t, fmt.Sprintf("P-%04d", plan.BatchFirst[i]+k+1), p.ExternalID, "file order kept")
			require.False(t, seen[p.ExternalID])
			seen[p.ExternalID] = true
		}
		requireSchema(t, schema, batch)
	}
	require.Equal(t, "bridge-01TESTFILE0000000000000000-3", plan.Batches[2].ExternalID)
	first := plan.Batches[0].Payments[0]
	require.Equal(t, atlar.Amount{Currency: "EUR", Value: 101}, first.Amount, "1.01 EUR is 101 minor units")
	require.Equal(t, "acc-eur", first.Source.ID, "source IBAN mapped to the Atlar account")
}
