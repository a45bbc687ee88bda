package atlar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

const (
	batchesPath   = "/payments/v2beta/credit-transfer-batches"
	transfersPath = "/payments/v2/credit-transfers"
)

// CreateCreditTransferBatch creates a batch (POST
// /payments/v2beta/credit-transfer-batches). idempotencyKey is required and
// must have been persisted by the caller before the first call: every retry,
// here and after a crash, must send the same key.
func (c *Client) CreateCreditTransferBatch(ctx context.Context, req *CreateCreditTransferBatchRequest, idempotencyKey string) (*CreditTransferBatch, error) {
	if req == nil {
		return nil, errors.New("atlar create batch: nil request")
	}
	if idempotencyKey == "" {
		return nil, errors.New("atlar create batch: idempotency key is required")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("atlar create batch: encode: %w", err)
	}
	cl := &call{
		method:         http.MethodPost,
		path:           batchesPath,
		endpoint:       batchesPath,
		body:           body,
		contentType:    "application/json",
		idempotencyKey: idempotencyKey,
		limit:          jsonBodyLimit,
	}
	var b CreditTransferBatch
	if err := c.getJSON(ctx, cl, &b, &b.RequestID); err != nil {
		return nil, err
	}
	return &b, nil
}

// GetCreditTransferBatch reads a batch by Atlar id or "external:<id>". A
// batch that does not exist yields an error matching ErrNotFound.
func (c *Client) GetCreditTransferBatch(ctx context.Context, idOrExternal string) (*CreditTransferBatch, error) {
	seg, err := pathSegment(idOrExternal)
	if err != nil {
		return nil, fmt.Errorf("atlar get batch: %w", err)
	}
	cl := &call{method: http.MethodGet, path: batchesPath + "/" + seg, endpoint: batchesPath + "/{id}", limit: jsonBodyLimit}
	var b CreditTransferBatch
	if err := c.getJSON(ctx, cl, &b, &b.RequestID); err != nil {
		return nil, err
	}
	return &b, nil
}

// ListBatchResults returns the per-record results of a completed batch, all
// pages. batchID must be an Atlar id (the endpoint takes no external id).
func (c *Client) ListBatchResults(ctx context.Context, batchID string) ([]BatchResult, error) {
	seg, err := pathSegment(batchID)
	if err != nil {
		return nil, fmt.Errorf("atlar batch results: %w", err)
	}
	return listAll[BatchResult](ctx, c, batchesPath+"/"+seg+"/results", batchesPath+"/{id}/results", nil, batchPageLimit)
}

// ListCreditTransfers returns the payments of a batch, all pages.
func (c *Client) ListCreditTransfers(ctx context.Context, batchID string) ([]CreditTransfer, error) {
	if batchID == "" {
		return nil, errors.New("atlar list transfers: empty batch id")
	}
	q := url.Values{"batchId": {batchID}}
	return listAll[CreditTransfer](ctx, c, transfersPath, transfersPath, q, batchPageLimit)
}

// GetCreditTransfer reads a payment by Atlar id or "external:<id>". A
// payment that does not exist yields an error matching ErrNotFound.
func (c *Client) GetCreditTransfer(ctx context.Context, idOrExternal string) (*CreditTransfer, error) {
	seg, err := pathSegment(idOrExternal)
	if err != nil {
		return nil, fmt.Errorf("atlar get transfer: %w", err)
	}
	cl := &call{method: http.MethodGet, path: transfersPath + "/" + seg, endpoint: transfersPath + "/{id}", limit: jsonBodyLimit}
	var t CreditTransfer
	if err := c.getJSON(ctx, cl, &t, nil); err != nil {
		return nil, err
	}
	return &t, nil
}

// getJSON sends cl and decodes its answer into v, storing the request id in
// *reqID when given.
func (c *Client) getJSON(ctx context.Context, cl *call, v any, reqID *string) error {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	if err := decode(cl, resp, v); err != nil {
		return err
	}
	if reqID != nil {
		*reqID = resp.requestID
	}
	return nil
}

// pathSegment escapes an id for one path segment. url.PathEscape keeps ':'
// (and '+', '='), so "external:<id>" stays readable as Atlar documents it.
func pathSegment(id string) (string, error) {
	switch id {
	case "":
		return "", errors.New("empty id")
	case ".", "..":
		return "", fmt.Errorf("invalid id %q", id)
	}
	return url.PathEscape(id), nil
}
