package atlartest

import (
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// ibanValid checks the ISO 13616 mod-97 checksum.
func ibanValid(iban string) bool {
	if len(iban) < 15 {
		return false
	}
	var digits strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func TestSeed_IBANs(t *testing.T) {
	ibans := []string{SeedEURIBAN, SeedGBPIBAN, SeedFournisseurIBAN, SeedSupplierIBAN}
	for _, entries := range seedEntries {
		for _, e := range entries {
			if e.iban != "" {
				ibans = append(ibans, e.iban)
			}
		}
	}
	for _, iban := range ibans {
		assert.True(t, ibanValid(iban), iban)
	}
	assert.False(t, ibanValid("DE89370400440532013001"))
}

func TestSeed_IDs(t *testing.T) {
	ids := []string{
		SeedOrganizationID, SeedEntityID, SeedThirdPartyID, SeedAffiliationID, SeedConnectionID,
		SeedEURAccountID, SeedGBPAccountID, SeedUSDAccountID,
		SeedFournisseurCounterpartyID, SeedFournisseurExternalAccountID,
		SeedSupplierCounterpartyID, SeedSupplierExternalAccountID, approvalChainID,
	}
	seen := map[string]bool{}
	for _, id := range ids {
		assert.Len(t, id, 36, id)
		assert.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
	}
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, newID())
	assert.Equal(t, derivedID("a", "b"), derivedID("a", "b"))
	assert.NotEqual(t, derivedID("a", "b"), derivedID("a", "c"))
}
