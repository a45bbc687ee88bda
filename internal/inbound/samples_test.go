package inbound

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/stretchr/testify/require"
)

// anyAccount resolves every IBAN and account number to a synthetic account, so public sample
// files (whose debtors are not ours) can be planned.
type anyAccount struct{}

func (anyAccount) AccountByIBAN(_ context.Context, iban string) (*atlar.Account, error) {
	return &atlar.Account{ID: "acc-" + iban, ThirdPartyID: "bank-1"}, nil
}

func (anyAccount) AccountByNumber(_ context.Context, number, _ string) (*atlar.Account, error) {
	return &atlar.Account{ID: "acc-" + number, ThirdPartyID: "bank-1"}, nil
}

func (anyAccount) AccountByID(_ context.Context, id string) (*atlar.Account, error) {
	return &atlar.Account{ID: id, ThirdPartyID: "bank-1"}, nil
}

func (anyAccount) ConnectionFor(_ context.Context, tp string) (*atlar.Connection, error) {
	return &atlar.Connection{ID: "conn-1", ThirdPartyID: tp}, nil
}

// TestBuildPlan_PublicSamples plans every public pain.001 sample in
// transfers mode: the valid ones become batches that match Atlar's
// published schema (golden files keep them); the others are rejected for
// their real defects (the pain001 package's table says which).
func TestBuildPlan_PublicSamples(t *testing.T) {
	dir := filepath.Join(filepath.Dir(filepath.Dir(batchSpecPath(t))), "..", "iso20022", "samples", "pain001")
	samples, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, samples)
	schema := batchSchema(t)
	r := caseRoute(t, "testdata/plan/transfers.xml")
	accepted := 0
	for _, path := range samples {
		name := strings.TrimSuffix(filepath.Base(path), ".xml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			plan, probs, err := BuildPlan(context.Background(), r, PlanInput{FileID: planFileID, Data: data, Today: "2019-01-01"}, anyAccount{})
			require.NoError(t, err)
			var g planGolden
			for _, p := range probs {
				g.Problems = append(g.Problems, p.String())
			}
			if plan != nil {
				accepted++
				g.Batches = plan.Batches
				for _, b := range plan.Batches {
					requireSchema(t, schema, b)
				}
			}
			checkGolden(t, filepath.Join("testdata", "samples", name+".golden.json"), g)
		})
	}
	t.Logf("%d of %d public samples plan into batches", accepted, len(samples))
}
