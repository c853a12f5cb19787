package fleet_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fjord-run/fjord/connection"
	"github.com/fjord-run/fjord/lab/labtest"
)

// vipSample is one look at whether a host has the VIP, by the clock the
// lab hosts share with this machine.
type vipSample struct {
	at      time.Time
	held    bool
	session int // a host's samples from one sampler, which a restart ends
}

// vipWatch samples on each lb host every 50 ms whether it has the VIP,
// from a shell loop on the host (ssh's latency does not enter the
// timestamps), and streams the samples here as they are taken.
type vipWatch struct {
	f       *fleet
	mu      sync.Mutex
	samples map[string][]vipSample
	session int
	cancel  map[string]context.CancelFunc
	wg      sync.WaitGroup
}

func (f *fleet) watchVIP(t *testing.T, hosts ...string) *vipWatch {
	w := &vipWatch{f: f, samples: map[string][]vipSample{}, cancel: map[string]context.CancelFunc{}}
	for _, h := range hosts {
		w.start(t, h)
	}
	t.Cleanup(w.stop)
	return w
}

// start runs a sampler on host; one already running there is stopped.
func (w *vipWatch) start(t *testing.T, host string) {
	w.mu.Lock()
	if c := w.cancel[host]; c != nil {
		c()
	}
	w.session++
	session := w.session
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel[host] = cancel
	w.mu.Unlock()
	script := fmt.Sprintf(`while :; do
  if ip -o -4 addr show | grep -q ' %s/'; then h=1; else h=0; fi
  echo "$EPOCHREALTIME $h"; sleep 0.04
done`, w.f.vip)
	cmd := exec.CommandContext(ctx, "ssh", "-F", w.f.st.SSHConfig, "-o", "BatchMode=yes", host, "exec bash -c "+connection.Quote(script))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ts, held, ok := strings.Cut(sc.Text(), " ")
			sec, err := strconv.ParseFloat(ts, 64)
			if !ok || err != nil {
				continue
			}
			s := vipSample{at: time.Unix(0, int64(sec*1e9)), held: held == "1", session: session}
			w.mu.Lock()
			w.samples[host] = append(w.samples[host], s)
			w.mu.Unlock()
		}
		_ = cmd.Wait()
	}()
	// The first sample shows the loop runs.
	w.waitFor(t, host, time.Time{}, func(s vipSample) bool { return s.session == session }, 10*time.Second)
}

func (w *vipWatch) stop() {
	w.mu.Lock()
	for _, c := range w.cancel {
		c()
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// waitFor returns the first sample of host taken after since that
// satisfies ok, waiting up to timeout for it.
func (w *vipWatch) waitFor(t *testing.T, host string, since time.Time, ok func(vipSample) bool, timeout time.Duration) vipSample {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		for _, s := range w.samples[host] {
			if s.at.After(since) && ok(s) {
				w.mu.Unlock()
				return s
			}
		}
		w.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("%s: no sample after %s as wanted within %s", host, since.Format("15:04:05.000"), timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func held(s vipSample) bool { return s.held }

// overlaps lists the moments a sample shows the VIP on one host while the
// other host's samples just before and just after (from one sampler) show
// it there too: the VIP on two hosts at once.
func (w *vipWatch) overlaps(a, b string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	// A stopped sampler's last lines may arrive after the next one's first.
	sb := slices.Clone(w.samples[b])
	slices.SortFunc(sb, func(x, y vipSample) int { return x.at.Compare(y.at) })
	for _, s := range w.samples[a] {
		if !s.held {
			continue
		}
		i, _ := slices.BinarySearchFunc(sb, s.at, func(x vipSample, at time.Time) int { return x.at.Compare(at) })
		if i == 0 || i >= len(sb) {
			continue
		}
		before, after := sb[i-1], sb[i]
		if before.held && after.held && before.session == after.session {
			out = append(out, fmt.Sprintf("%s on %s, %s between %s and %s", s.at.Format("15:04:05.000"), a, b,
				before.at.Format("15:04:05.000"), after.at.Format("15:04:05.000")))
		}
	}
	return out
}

// holders lists the holders of the VIP in the order the samples of both
// hosts show them from since on, each change once: [lb1 lb2 lb1] is one
// failover and one failback.
func (w *vipWatch) holders(since time.Time, hosts ...string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	type ev struct {
		at   time.Time
		host string
	}
	var evs []ev
	for _, h := range hosts {
		for _, s := range w.samples[h] {
			if s.held && !s.at.Before(since) {
				evs = append(evs, ev{s.at, h})
			}
		}
	}
	slices.SortFunc(evs, func(x, y ev) int { return x.at.Compare(y.at) })
	var out []string
	for _, e := range evs {
		if len(out) == 0 || out[len(out)-1] != e.host {
			out = append(out, e.host)
		}
	}
	return out
}

// interval is the median time between a host's samples.
func (w *vipWatch) interval(host string) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var d []time.Duration
	s := w.samples[host]
	for i := 1; i < len(s); i++ {
		if s[i].session == s[i-1].session {
			d = append(d, s[i].at.Sub(s[i-1].at))
		}
	}
	return median(d)
}

// httpProbe GETs the VIP on a fresh connection every 20 ms until stopped
// and records when each request ended and whether it got a page.
type httpProbe struct {
	done  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	tries []httpTry
}

type httpTry struct {
	start, end time.Time
	ok         bool
}

func (f *fleet) probeHTTP() *httpProbe {
	p := &httpProbe{done: make(chan struct{})}
	c := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.done:
				return
			default:
			}
			start := time.Now()
			resp, err := c.Get("http://" + f.vip + "/")
			ok := err == nil && resp.StatusCode == 200
			if err == nil {
				resp.Body.Close()
			}
			p.mu.Lock()
			p.tries = append(p.tries, httpTry{start, time.Now(), ok})
			p.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return p
}

// answeredAgain stops the probe once n requests in a row succeeded and
// returns when the first of them ended: the end of the outage that
// began at since (since itself when no request failed).
func (p *httpProbe) answeredAgain(t *testing.T, since time.Time, n int, timeout time.Duration) (time.Time, int) {
	t.Helper()
	defer func() { close(p.done); p.wg.Wait() }()
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		var run, failed int
		var first time.Time
		for _, tr := range p.tries {
			switch {
			case tr.start.Before(since):
			case !tr.ok:
				run, failed = 0, failed+1
			default:
				if run == 0 {
					first = tr.end
				}
				run++
			}
		}
		p.mu.Unlock()
		if run >= n {
			if failed == 0 {
				first = since
			}
			return first, failed
		}
		if time.Now().After(deadline) {
			t.Fatalf("HTTP through the VIP: no %d answers in a row within %s", n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// failover is one measured move of the VIP off its holder.
type failover struct {
	vip, http time.Duration // until the backup holds it; until HTTP answers
	failed    int           // requests that got no page meanwhile
}

func summarize(t *testing.T, what string, fs []failover) (time.Duration, time.Duration) {
	var vip, web []time.Duration
	for _, f := range fs {
		vip = append(vip, f.vip)
		web = append(web, f.http)
	}
	t.Logf("%s, %d failovers: VIP on the backup after median %s, max %s; HTTP through the VIP answers again after median %s, max %s",
		what, len(fs), median(vip).Round(time.Millisecond), slices.Max(vip).Round(time.Millisecond),
		median(web).Round(time.Millisecond), slices.Max(web).Round(time.Millisecond))
	return median(vip), median(web)
}

// hostNow runs script on host and reads the time it prints
// ($EPOCHREALTIME).
func (f *fleet) hostTime(t *testing.T, host, script string) time.Time {
	t.Helper()
	out := f.mustSSH(t, host, script)
	sec, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err != nil {
		t.Fatalf("%s: %q is no time: %v", host, out, err)
	}
	return time.Unix(0, int64(sec*1e9))
}

// testVIPFailover moves the VIP off lb1 again and again: haproxyKills
// times by killing HAProxy there with SIGKILL (systemd starts it again at
// once), hostKills times by killing the host (fjord lab kill, then lab
// start). Each time it measures how long until lb2 holds the VIP and
// until HTTP through the VIP answers again, and wants the VIP back on
// lb1 after keepalived_preempt_delay with no more moves. Samples of both
// hosts every 50 ms must never show the VIP on both.
func (f *fleet) testVIPFailover(t *testing.T, haproxyKills, hostKills int) {
	w := f.watchVIP(t, "lb1", "lb2")
	w.waitFor(t, "lb1", time.Now(), held, 20*time.Second)
	cycle := func(what string, kill func() time.Time, back func()) failover {
		t.Helper()
		begin := time.Now()
		p := f.probeHTTP()
		time.Sleep(100 * time.Millisecond)
		killed := kill()
		got := w.waitFor(t, "lb2", killed, held, 10*time.Second)
		answered, failed := p.answeredAgain(t, killed, 5, 15*time.Second)
		fo := failover{vip: got.at.Sub(killed), http: answered.Sub(killed), failed: failed}
		back()
		backAt := w.waitFor(t, "lb1", got.at, held, 30*time.Second)
		// Two samples of lb1 holding it: the move back is over.
		w.waitFor(t, "lb1", backAt.at, held, 5*time.Second)
		moves := w.holders(begin, "lb1", "lb2")
		t.Logf("%s: VIP on lb2 after %s, HTTP answers after %s (%d requests failed), back on lb1 %s later; holders %v",
			what, fo.vip.Round(time.Millisecond), fo.http.Round(time.Millisecond), failed,
			backAt.at.Sub(got.at).Round(time.Millisecond), moves)
		if !slices.Equal(moves, []string{"lb1", "lb2", "lb1"}) {
			t.Errorf("%s: the VIP moved %v, want lb1 -> lb2 -> lb1 once each", what, moves)
		}
		return fo
	}

	var procs []failover
	for i := 0; i < haproxyKills; i++ {
		procs = append(procs, cycle(fmt.Sprintf("haproxy SIGKILL #%d", i+1), func() time.Time {
			// The time is taken before the signal: the figure is not
			// shortened by ssh's latency.
			return f.hostTime(t, "lb1", `t=$EPOCHREALTIME; kill -KILL $(pidof haproxy); echo $t`)
		}, func() {}))
	}
	var hosts []failover
	for i := 0; i < hostKills; i++ {
		hosts = append(hosts, cycle(fmt.Sprintf("host lb1 killed #%d", i+1), func() time.Time {
			killed := time.Now()
			if out, code := labtest.Run(t, time.Minute, f.bin, "lab", "kill", "--name", f.st.Name, "lb1"); code != 0 {
				t.Fatalf("fjord lab kill lb1: exit %d\n%s", code, out)
			}
			return killed
		}, func() {
			if out, code := labtest.Run(t, 2*time.Minute, f.bin, "lab", "start", "--name", f.st.Name, "lb1"); code != 0 {
				t.Fatalf("fjord lab start lb1: exit %d\n%s", code, out)
			}
			f.routeTunnel(t, "lb1")
			w.start(t, "lb1")
		}))
	}
	w.stop()
	t.Logf("VIP sampled every %s on lb1, %s on lb2", w.interval("lb1").Round(time.Millisecond), w.interval("lb2").Round(time.Millisecond))
	for _, o := range append(w.overlaps("lb1", "lb2"), w.overlaps("lb2", "lb1")...) {
		t.Errorf("the VIP on two hosts at once: %s", o)
	}
	if len(procs) > 0 {
		if vip, _ := summarize(t, "HAProxy killed with SIGKILL on the holder", procs); vip >= time.Second {
			t.Errorf("VIP failover after HAProxy died: median %s, want < 1s", vip)
		}
	}
	if len(hosts) > 0 {
		if vip, _ := summarize(t, "holder host killed", hosts); vip >= 3*time.Second {
			t.Errorf("VIP failover after the holder died: median %s, want < 3s", vip)
		}
	}
}
