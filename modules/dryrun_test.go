package modules

import (
	"strings"
	"testing"

	"github.com/fjord-run/fjord/dryrun"
)

func TestPredictAptAndUnit(t *testing.T) {
	env := &Env{Host: "h", Check: true, Sim: dryrun.New()}
	if r := predictedUnit(env, "nginx", "started", nil); r != nil {
		t.Fatalf("a unit is predicted with no package to install: %+v", r)
	}
	predictApt(env, "NOTE: This is only a simulation!\nInst libnginx-mod (1.22 Debian:12/stable [amd64])\nInst nginx (1.22.1-9 Debian:12/stable [all])\nConf nginx (1.22.1-9)\nRemv apache2 [2.4]\n")
	if got := strings.Join(env.Sim.Installed(), " "); got != "libnginx-mod nginx" {
		t.Errorf("installed: %q", got)
	}
	on := true
	r := predictedUnit(env, "nginx.service", "started", &on)
	if r == nil || !r.Changed || r.Failed || r.Msg != "nginx.service would start after nginx is installed (the unit is not on the host yet)" {
		t.Errorf("predicted unit: %+v", r)
	}
	r = predictedUnit(env, "php-fpm", "", &on)
	if r == nil || !strings.Contains(r.Msg, "after libnginx-mod, nginx is installed") {
		t.Errorf("a unit no package is named after: %+v", r)
	}
	env.Check = false
	if r := predictedUnit(env, "nginx", "started", nil); r != nil {
		t.Error("a real run's missing unit is predicted")
	}
}
