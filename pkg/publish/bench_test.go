package publish_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// TestOCSPRatios measures, in one run, the two ratios of issue 15:
// cached answers (the same request without a nonce, over HTTP POST) per
// second against Go's bare net/http serving a constant body of the same
// size (goal: at least 0.5), and fresh answers (a nonce in each request,
// so each is parsed, looked up and signed: Server.Respond) against
// ocsp.CreateResponse in a loop (goal: at least 0.8). It takes about ten
// seconds of both cores, so it runs only when asked:
//
//	CA_OCSP_RATIOS=1 go test ./pkg/publish -run OCSPRatios -v
func TestOCSPRatios(t *testing.T) {
	if os.Getenv("CA_OCSP_RATIOS") == "" {
		t.Skip("set CA_OCSP_RATIOS=1 to measure")
	}
	b := t
	f := newFixture(b)
	req := f.request(b, f.leaf)
	body := mustPost(b, f.url+"/ocsp", req)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(body)
	}))
	defer bare.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	perSecond := func(fn func()) float64 {
		r := testing.Benchmark(func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					fn()
				}
			})
		})
		return float64(r.N) / r.T.Seconds()
	}
	postTo := func(url string) func() {
		return func() {
			resp, err := client.Post(url, "application/ocsp-request", bytes.NewReader(req))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	cached, constant := perSecond(postTo(f.url+"/ocsp")), perSecond(postTo(bare.URL))

	nonced := withExtension(b, req, []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}, false, append([]byte{4, 16}, make([]byte, 16)...))
	fresh := perSecond(func() { f.srv.Respond(nonced) })
	now := time.Now()
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: f.leaf.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
	create := perSecond(func() {
		if _, err := ocsp.CreateResponse(f.root, f.root, tmpl, f.key); err != nil {
			b.Error(err)
		}
	})
	t.Logf("cached answers %.0f/s, bare net/http %.0f/s: ratio %.2f (goal 0.5)", cached, constant, cached/constant)
	t.Logf("fresh answers %.0f/s, ocsp.CreateResponse %.0f/s: ratio %.2f (goal 0.8)", fresh, create, fresh/create)
}
