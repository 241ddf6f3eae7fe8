package rbac

import (
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // wasip1 has no zoneinfo files: embed the IANA database

	"github.com/tidwall/gjson"

	"github.com/wasmward/wasmward/shared/config"
)

// timeMatcher: "time" — the host clock falls in a weekly window in an IANA time zone.
type timeMatcher struct {
	loc      *time.Location
	days     uint8 // bit per time.Weekday
	from, to int   // minutes since midnight; to may be 1440
}

var dayNames = map[string]time.Weekday{"Sun": time.Sunday, "Mon": time.Monday, "Tue": time.Tuesday,
	"Wed": time.Wednesday, "Thu": time.Thursday, "Fri": time.Friday, "Sat": time.Saturday}

func (c *compiler) timeWindow(path string, s *TimeSpec) matcher {
	m := timeMatcher{loc: time.UTC, days: 0x7f, from: 0, to: 24 * 60}
	if s.Days == nil && s.From == "" && s.To == "" {
		c.add(path, "empty time window: set days, from or to")
	}
	if s.Days != nil {
		m.days = 0
		if len(s.Days) == 0 {
			c.add(config.JoinPath(path, "days"), "must not be empty")
		}
		for i, d := range s.Days {
			wd, ok := dayNames[d]
			if !ok {
				c.add(config.Index(config.JoinPath(path, "days"), i), "must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun")
				continue
			}
			m.days |= 1 << wd
		}
	}
	var ok bool
	if s.From != "" {
		if m.from, ok = clockMinutes(s.From, false); !ok {
			c.add(config.JoinPath(path, "from"), "must be HH:MM (00:00-23:59)")
		}
	}
	if s.To != "" {
		if m.to, ok = clockMinutes(s.To, true); !ok {
			c.add(config.JoinPath(path, "to"), "must be HH:MM (00:00-24:00)")
		}
	}
	if m.from == m.to {
		c.add(path, "from and to are equal: the window is empty")
	}
	if s.TimeZone != "" {
		loc, err := c.p.location(s.TimeZone)
		if err != nil || s.TimeZone == "Local" {
			c.add(config.JoinPath(path, "timeZone"), "unknown IANA time zone %q", s.TimeZone)
		} else {
			m.loc = loc
		}
	}
	return m
}

// location loads an IANA zone once per policy, however many rules name it.
func (p *Policy) location(name string) (*time.Location, error) {
	if loc, ok := p.zones[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	if p.zones == nil {
		p.zones = map[string]*time.Location{}
	}
	p.zones[name] = loc
	return loc, nil
}

// clockMinutes parses "HH:MM"; "24:00" only when allow24.
func clockMinutes(s string, allow24 bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	mi := int(s[3]-'0')*10 + int(s[4]-'0')
	if h == 24 && mi == 0 && allow24 {
		return 24 * 60, true
	}
	if h < 0 || h > 23 || mi < 0 || mi > 59 {
		return 0, false
	}
	return h*60 + mi, true
}

func (m timeMatcher) match(c *evalCtx) bool {
	now, ok := c.now()
	if !ok {
		return false
	}
	t := now.In(m.loc)
	mins := t.Hour()*60 + t.Minute()
	day := t.Weekday()
	if m.from < m.to {
		return m.days&(1<<day) != 0 && mins >= m.from && mins < m.to
	}
	// Wraps past midnight: the evening part belongs to today, the morning part to yesterday.
	if mins >= m.from {
		return m.days&(1<<day) != 0
	}
	return mins < m.to && m.days&(1<<((day+6)%7)) != 0
}

// deviceMatcher: "device" — the request's device class is one of the listed classes.
type deviceMatcher uint64 // bit per class index (see Policy.deviceClasses)

func (c *compiler) device(path string, classes []string) matcher {
	if len(classes) == 0 {
		c.add(path, "must not be empty")
	}
	var m deviceMatcher
	c.p.usesDevice = true
	for i, cl := range classes {
		idx := c.p.deviceIndex(cl)
		if idx < 0 {
			c.add(config.Index(path, i), "unknown device class %q (declare it in device.classes or device.userAgent)", cl)
			continue
		}
		m |= 1 << idx
	}
	return m
}

func (m deviceMatcher) match(c *evalCtx) bool { return m&(1<<c.deviceClass()) != 0 }

// stepUpMatcher: "stepUp" — a strong authentication, from the acr/amr/auth_time claims.
type stepUpMatcher struct {
	acr, amr []string
	maxAge   int64
}

func (c *compiler) stepUp(path string, s *StepUpSpec) matcher {
	if len(s.ACR) == 0 && len(s.AMR) == 0 {
		c.add(path, "set acr or amr (the values that prove a step-up, e.g. amr [\"mfa\"])")
	}
	for _, f := range []struct {
		name string
		list []string
	}{{"acr", s.ACR}, {"amr", s.AMR}} {
		for i, v := range f.list {
			if strings.TrimSpace(v) == "" {
				c.add(config.Index(config.JoinPath(path, f.name), i), "must not be empty")
			}
		}
	}
	if s.MaxAge < 0 {
		c.add(config.JoinPath(path, "maxAge"), "must be a positive number of seconds")
	}
	return stepUpMatcher{acr: s.ACR, amr: s.AMR, maxAge: int64(s.MaxAge)}
}

func (m stepUpMatcher) match(c *evalCtx) bool {
	claims := c.claims()
	if claims == "" {
		return false
	}
	strong := false
	if len(m.acr) > 0 {
		if acr := gjson.Get(claims, "acr"); acr.Type == gjson.String {
			strong = slices.Contains(m.acr, acr.Str)
		}
	}
	if !strong && len(m.amr) > 0 {
		if amr := gjson.Get(claims, "amr"); amr.IsArray() {
			amr.ForEach(func(_, el gjson.Result) bool {
				strong = el.Type == gjson.String && slices.Contains(m.amr, el.Str)
				return !strong
			})
		}
	}
	if !strong || m.maxAge == 0 {
		return strong
	}
	at := gjson.Get(claims, "auth_time")
	now, ok := c.now()
	if at.Type != gjson.Number || !ok || at.Num != float64(int64(at.Num)) {
		return false
	}
	age := now.Unix() - int64(at.Num)
	return age >= -60 && age <= m.maxAge // up to a minute of clock skew
}
