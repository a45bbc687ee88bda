package atlar

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

const connectionsPath = "/connectivity/v2beta/connections"

// ListConnections returns every connection to a third party, all pages.
func (c *Client) ListConnections(ctx context.Context) ([]Connection, error) {
	return listAll[Connection](ctx, c, connectionsPath, connectionsPath, nil, pageLimit)
}

// ListReports returns every report fetched over a connection, all pages.
func (c *Client) ListReports(ctx context.Context, connectionID string) ([]Report, error) {
	cid, err := pathSegment(connectionID)
	if err != nil {
		return nil, fmt.Errorf("atlar list reports: connection: %w", err)
	}
	return listAll[Report](ctx, c, connectionsPath+"/"+cid+"/reports", connectionsPath+"/{cid}/reports", nil, pageLimit)
}

// ReportContent downloads a report rendered as the ISO 20022 message
// version, e.g. "camt.053.001.02" (format
// application/vnd.iso20022.<version>+xml). With externalIDAsEndToEndID,
// Atlar writes each payment's externalId into EndToEndId. The bytes are
// returned untouched; more than 64 MiB is an error.
func (c *Client) ReportContent(ctx context.Context, connectionID, reportID, version string, externalIDAsEndToEndID bool) ([]byte, error) {
	cid, err := pathSegment(connectionID)
	if err != nil {
		return nil, fmt.Errorf("atlar report content: connection: %w", err)
	}
	rid, err := pathSegment(reportID)
	if err != nil {
		return nil, fmt.Errorf("atlar report content: report: %w", err)
	}
	if version == "" || strings.ContainsAny(version, "/+; ") {
		return nil, fmt.Errorf("atlar report content: invalid message version %q", version)
	}
	format := "application/vnd.iso20022." + version + "+xml"
	q := url.Values{"format": {format}}
	if externalIDAsEndToEndID {
		q.Set("externalIdAsEndToEndId", "true")
	}
	resp, err := c.do(ctx, &call{
		method:   http.MethodGet,
		path:     connectionsPath + "/" + cid + "/reports/" + rid + "/content",
		endpoint: connectionsPath + "/{cid}/reports/{rid}/content",
		query:    q,
		accept:   format + ", application/xml;q=0.9, */*;q=0.1",
		limit:    contentBodyLimit,
	})
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// CreateInstruction pushes a payment file to the bank over a connection
// (POST /connectivity/v2beta/connections/{cid}/instructions). content is sent
// byte for byte; contentType names its format, e.g.
// application/vnd.iso20022.pain.001.001.03+xml. idempotencyKey is required
// and must have been persisted before the first call.
func (c *Client) CreateInstruction(ctx context.Context, connectionID, fileName string, content []byte, contentType, idempotencyKey string) (*Instruction, error) {
	cid, err := pathSegment(connectionID)
	if err != nil {
		return nil, fmt.Errorf("atlar create instruction: connection: %w", err)
	}
	if idempotencyKey == "" {
		return nil, errors.New("atlar create instruction: idempotency key is required")
	}
	if fileName == "" || contentType == "" {
		return nil, errors.New("atlar create instruction: file name and content type are required")
	}
	body, bodyType, err := instructionBody(fileName, content, contentType)
	if err != nil {
		return nil, fmt.Errorf("atlar create instruction: %w", err)
	}
	cl := &call{
		method:         http.MethodPost,
		path:           connectionsPath + "/" + cid + "/instructions",
		endpoint:       connectionsPath + "/{cid}/instructions",
		body:           body,
		contentType:    bodyType,
		idempotencyKey: idempotencyKey,
		limit:          jsonBodyLimit,
	}
	var in Instruction
	if err := c.getJSON(ctx, cl, &in, &in.RequestID); err != nil {
		return nil, err
	}
	return &in, nil
}

// ListInstructions returns every instruction pushed over a connection, all
// pages. The bridge reads it only to resolve a create whose answer was lost
// longer ago than Atlar remembers idempotency keys: instructions have no
// externalId to look up.
func (c *Client) ListInstructions(ctx context.Context, connectionID string) ([]Instruction, error) {
	cid, err := pathSegment(connectionID)
	if err != nil {
		return nil, fmt.Errorf("atlar list instructions: connection: %w", err)
	}
	return listAll[Instruction](ctx, c, connectionsPath+"/"+cid+"/instructions", connectionsPath+"/{cid}/instructions", nil, pageLimit)
}

// GetInstruction reads an instruction's status. One that does not exist
// yields an error matching ErrNotFound.
func (c *Client) GetInstruction(ctx context.Context, connectionID, id string) (*Instruction, error) {
	cid, err := pathSegment(connectionID)
	if err != nil {
		return nil, fmt.Errorf("atlar get instruction: connection: %w", err)
	}
	iid, err := pathSegment(id)
	if err != nil {
		return nil, fmt.Errorf("atlar get instruction: %w", err)
	}
	cl := &call{
		method:   http.MethodGet,
		path:     connectionsPath + "/" + cid + "/instructions/" + iid,
		endpoint: connectionsPath + "/{cid}/instructions/{id}",
		limit:    jsonBodyLimit,
	}
	var in Instruction
	if err := c.getJSON(ctx, cl, &in, &in.RequestID); err != nil {
		return nil, err
	}
	return &in, nil
}

// BankStatement downloads the bank's own statement file of a report,
// byte for byte (MT940, BAI2, camt, CSV, NACHA … as the bank sent it):
// GET /connectivity/v2beta/connections/{cid}/reports/{rid}/bank-statement
// (Atlar's seed guide, "Option 3"). ASSUMPTION: the body is the file
// itself, any content type.
func (c *Client) BankStatement(ctx context.Context, connectionID, reportID string) ([]byte, error) {
	cid, err := pathSegment(connectionID)
	if err != nil {
		return nil, fmt.Errorf("atlar bank statement: connection: %w", err)
	}
	rid, err := pathSegment(reportID)
	if err != nil {
		return nil, fmt.Errorf("atlar bank statement: report: %w", err)
	}
	resp, err := c.do(ctx, &call{
		method:   http.MethodGet,
		path:     connectionsPath + "/" + cid + "/reports/" + rid + "/bank-statement",
		endpoint: connectionsPath + "/{cid}/reports/{rid}/bank-statement",
		accept:   "*/*",
		limit:    contentBodyLimit,
	})
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}
