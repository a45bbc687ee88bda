package csvpay

import "fmt"

// CountRows returns the number of data rows in a CSV file, so a result
// can give every row of a rejected file a status.
func CountRows(data []byte, p Profile) (int, error) {
	if err := p.validate(); err != nil {
		return 0, fmt.Errorf("csv profile %q: %w", p.Name, err)
	}
	bomLen, prob := checkText(data, p.Encoding)
	if prob != nil {
		return 0, fmt.Errorf("count rows: %s", prob.String())
	}
	w := newWalker(data[bomLen:], p)
	n := 0
	for {
		seg, err := w.next()
		if err != nil {
			return n, fmt.Errorf("count rows: %w", err)
		}
		if seg == nil {
			return n, nil
		}
		if seg.kind == segData {
			n++
		}
	}
}
