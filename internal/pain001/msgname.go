package pain001

import "strings"

// MessageName is the message name the file declares through its namespace,
// variant included ("pain.001.002.03", "pain.001.001.03.ch.02"): what a
// pain.002 echoes as OrgnlMsgNmId, so that the ERP recognises its own
// file. Version, by contrast, is the ISO version a variant restricts. A
// namespace of another shape gives Version.
func (h Header) MessageName() string {
	ns := strings.TrimSpace(h.Namespace)
	if i := strings.LastIndexAny(ns, ":/"); i >= 0 {
		ns = ns[i+1:]
	}
	ns = strings.TrimSuffix(ns, ".xsd")
	if strings.HasPrefix(ns, "pain.001.") && len(ns) <= 35 {
		return ns
	}
	return h.Version
}
