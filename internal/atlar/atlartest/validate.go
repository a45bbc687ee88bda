package atlartest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// Structural limits from the 2024-11 spec.
const (
	maxBatchPayments = 1000
	maxReference     = 140
	maxDateAhead     = 60 // days
)

var (
	externalIDRE = regexp.MustCompile(`^[a-zA-Z0-9._\-+=]{1,64}$`)
	marketRE     = regexp.MustCompile(`^[A-Z]{2}$`)
	currencyRE   = regexp.MustCompile(`^[A-Z]{3}$`)
)

// The request shapes are decoded with pointers so that "missing" and
// "zero" differ, as they do for a schema validator.
type batchInput struct {
	Treatment  *string         `json:"treatment"`
	Payments   *[]paymentInput `json:"payments"`
	ExternalID *string         `json:"externalId"`
}

type paymentInput struct {
	Amount      *amountInput `json:"amount"`
	Scheme      *string      `json:"scheme"`
	Date        *string      `json:"date"`
	Source      *refInput    `json:"source"`
	Destination *refInput    `json:"destination"`
	Reference   *string      `json:"reference"`
	ExternalID  *string      `json:"externalId"`
}

type amountInput struct {
	Currency    *string      `json:"currency"`
	Value       *json.Number `json:"value"`
	StringValue *string      `json:"stringValue"`
}

type refInput struct {
	Type        string                     `json:"type"`
	ID          string                     `json:"id"`
	Market      string                     `json:"market"`
	Identifiers []atlar.AccountIdentifier  `json:"identifiers"`
	Routing     []atlar.RoutingIdentifier  `json:"routing"`
	Holder      *atlar.InlineAccountHolder `json:"holder"`
}

// batchSpec is a structurally valid batch request, normalised: every amount
// has both value and stringValue.
type batchSpec struct {
	treatment  string
	externalID string
	payments   []atlar.CreateCreditTransferRequest
}

// problems collects error details in input order.
type problems []atlar.ErrorDetail

func (p *problems) add(field, code, format string, args ...any) {
	*p = append(*p, atlar.ErrorDetail{Code: code, Error: fmt.Sprintf(format, args...), Field: field})
}

func (p *problems) required(field string) { p.add(field, "required", "is required") }

// decodeBatchJSON decodes a JSON batch body. A syntax or type error is
// returned as a single problem.
func decodeBatchJSON(body []byte) (batchInput, problems) {
	var in batchInput
	if err := json.Unmarshal(body, &in); err != nil {
		return in, jsonProblem(err)
	}
	return in, nil
}

func jsonProblem(err error) problems {
	var p problems
	field := ""
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		field = te.Field
	}
	p.add(field, "invalid_json", "invalid JSON: %v", err)
	return p
}

// validateBatch checks what a schema validator and Atlar's synchronous
// checks would reject with a 400. Semantic problems (unknown accounts,
// duplicate payment externalIds, ...) are left to batch processing.
func validateBatch(in batchInput, now time.Time) (batchSpec, problems) {
	var p problems
	var spec batchSpec
	switch {
	case in.Treatment == nil:
		p.required("treatment")
	case *in.Treatment != "INDIVIDUAL_PAYMENTS" && *in.Treatment != "BATCH":
		p.add("treatment", "invalid_value", "must be one of [INDIVIDUAL_PAYMENTS BATCH]")
	default:
		spec.treatment = *in.Treatment
	}
	if in.ExternalID != nil {
		if !externalIDRE.MatchString(*in.ExternalID) {
			p.add("externalId", "invalid_value", "must match %s", externalIDRE)
		}
		spec.externalID = *in.ExternalID
	}
	switch {
	case in.Payments == nil:
		p.required("payments")
	case len(*in.Payments) == 0 || len(*in.Payments) > maxBatchPayments:
		p.add("payments", "invalid_value", "must hold between 1 and %d payments (got %d)", maxBatchPayments, len(*in.Payments))
	default:
		for i, pi := range *in.Payments {
			spec.payments = append(spec.payments, validatePayment(&p, fmt.Sprintf("payments.%d", i), pi, now))
		}
	}
	return spec, p
}

func validatePayment(p *problems, at string, in paymentInput, now time.Time) atlar.CreateCreditTransferRequest {
	var out atlar.CreateCreditTransferRequest
	out.Amount = validateAmount(p, at+".amount", in.Amount)

	switch {
	case in.Scheme == nil:
		p.required(at + ".scheme")
	case !schemes[*in.Scheme]:
		p.add(at+".scheme", "invalid_value", "unknown scheme %q", *in.Scheme)
	default:
		out.Scheme = *in.Scheme
	}

	if in.Date == nil {
		p.required(at + ".date")
	} else if d, err := time.Parse(time.DateOnly, *in.Date); err != nil {
		p.add(at+".date", "invalid_value", "must be a date YYYY-MM-DD")
	} else {
		y, m, dd := now.UTC().Date()
		day := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		switch {
		case d.Before(day):
			p.add(at+".date", "invalid_value", "must not be in the past (today is %s)", today(now))
		case d.After(day.AddDate(0, 0, maxDateAhead)):
			p.add(at+".date", "invalid_value", "must be at most %d days ahead", maxDateAhead)
		}
		out.Date = *in.Date
	}

	if in.Source == nil {
		p.required(at + ".source")
	} else {
		if in.Source.Type != "ACCOUNT" {
			p.add(at+".source.type", "invalid_value", "must be ACCOUNT")
		}
		if in.Source.ID == "" {
			p.required(at + ".source.id")
		}
		out.Source = atlar.AccountRef{Type: in.Source.Type, ID: in.Source.ID}
	}

	if in.Destination == nil {
		p.required(at + ".destination")
	} else {
		out.Destination = validateDestination(p, at+".destination", *in.Destination)
	}

	switch {
	case in.Reference == nil:
		p.required(at + ".reference")
	case utf8.RuneCountInString(*in.Reference) > maxReference:
		p.add(at+".reference", "invalid_value", "must be at most %d characters", maxReference)
	default:
		out.Reference = *in.Reference
	}

	if in.ExternalID != nil {
		if !externalIDRE.MatchString(*in.ExternalID) {
			p.add(at+".externalId", "invalid_value", "must match %s", externalIDRE)
		}
		out.ExternalID = *in.ExternalID
	}
	return out
}

func validateAmount(p *problems, at string, in *amountInput) atlar.Amount {
	var out atlar.Amount
	if in == nil {
		p.required(at)
		return out
	}
	switch {
	case in.Currency == nil:
		p.required(at + ".currency")
		return out
	case !currencyRE.MatchString(*in.Currency) || !knownCurrency(*in.Currency):
		p.add(at+".currency", "invalid_value", "unknown currency %q", *in.Currency)
		return out
	}
	out.Currency = *in.Currency
	if in.Value == nil && in.StringValue == nil {
		p.add(at, "required", "one of value or stringValue is required")
		return out
	}
	if in.Value != nil && in.StringValue != nil && in.Value.String() == "0" {
		// A client type that always marshals value sends 0 beside
		// stringValue; read that as "value not given".
		in.Value = nil
	}
	if in.Value != nil {
		v, err := strconv.ParseInt(in.Value.String(), 10, 64)
		switch {
		case err != nil:
			p.add(at+".value", "invalid_value", "must be an integer in minor units")
			return out
		case v <= 0:
			p.add(at+".value", "invalid_value", "must be greater than 0")
			return out
		}
		out.Value = v
	}
	if in.StringValue != nil {
		v, err := parseStringValue(*in.StringValue, out.Currency)
		switch {
		case err != nil:
			p.add(at+".stringValue", "invalid_value", "%v", err)
			return out
		case v <= 0:
			p.add(at+".stringValue", "invalid_value", "must be greater than 0")
			return out
		case in.Value != nil && v != out.Value:
			p.add(at+".stringValue", "invalid_value", "does not match value %d", out.Value)
			return out
		}
		out.Value = v
	}
	out.StringValue = formatMinor(out.Value, out.Currency)
	return out
}

func knownCurrency(c string) bool {
	_, ok := minorUnits[c]
	return ok
}

func validateDestination(p *problems, at string, in refInput) atlar.AccountRef {
	out := atlar.AccountRef{Type: in.Type, ID: in.ID}
	switch in.Type {
	case "":
		p.required(at + ".type")
	case "ACCOUNT":
		if in.ID == "" {
			p.required(at + ".id")
		}
	case "EXTERNAL_ACCOUNT":
		if in.ID == "" {
			p.required(at + ".id")
		} else if ext, ok := strings.CutPrefix(in.ID, "external:"); ok && !externalIDRE.MatchString(ext) {
			p.add(at+".id", "invalid_value", "external id must match %s", externalIDRE)
		}
	case "INLINE":
		out.ID = ""
		out.Market, out.Identifiers, out.Routing, out.Holder = in.Market, in.Identifiers, in.Routing, in.Holder
		if !marketRE.MatchString(in.Market) {
			p.add(at+".market", "invalid_value", "must be a two-letter country code")
		}
		if len(in.Identifiers) != 1 {
			p.add(at+".identifiers", "invalid_value", "must hold exactly 1 identifier")
		}
		for i, id := range in.Identifiers {
			f := fmt.Sprintf("%s.identifiers.%d", at, i)
			if !identifierTypes[id.Type] {
				p.add(f+".type", "invalid_value", "unknown identifier type %q", id.Type)
			}
			if !marketRE.MatchString(id.Market) {
				p.add(f+".market", "invalid_value", "must be a two-letter country code")
			}
			if id.Number == "" || len(id.Number) > 255 {
				p.add(f+".number", "invalid_value", "must be 1 to 255 characters")
			}
		}
		if len(in.Routing) > 2 {
			p.add(at+".routing", "invalid_value", "must hold at most 2 routing identifiers")
		}
		for i, rt := range in.Routing {
			f := fmt.Sprintf("%s.routing.%d", at, i)
			if !routingTypes[rt.Type] {
				p.add(f+".type", "invalid_value", "unknown routing type %q", rt.Type)
			}
			if rt.Number == "" || len(rt.Number) > 255 {
				p.add(f+".number", "invalid_value", "must be 1 to 255 characters")
			}
		}
		if in.Holder == nil || strings.TrimSpace(in.Holder.LegalName) == "" {
			p.required(at + ".holder.legalName")
		}
	default:
		p.add(at+".type", "invalid_value", "must be one of [ACCOUNT EXTERNAL_ACCOUNT INLINE]")
	}
	return out
}
