package verify

// Report is what a strict verification of a certificate file reports, for
// text and JSON (docs/json.md): status good or bad, the chain and the
// reasons, each an empty list (JSON []) when there are none.
type Report struct {
	File    string   `json:"file"`
	Status  string   `json:"status"`
	Chain   []Link   `json:"chain"`
	Reasons []Reason `json:"reasons"`
}

// Report is r as reported for the certificate file called file.
func (r *Result) Report(file string) *Report {
	out := &Report{File: file, Status: "good", Chain: r.Chain, Reasons: r.Reasons}
	if !r.Good() {
		out.Status = "bad"
	}
	if out.Chain == nil {
		out.Chain = []Link{}
	}
	if out.Reasons == nil {
		out.Reasons = []Reason{}
	}
	return out
}
