package mail

import (
	"fmt"
	"strings"
	"time"
)

var months = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}

// humanTime writes an RFC 3339 time the way a person of lang writes a date
// and time, in UTC and saying so: the server does not know the reader's
// time zone, and a wrong local time is worse than an honest UTC one.
// An empty value gives an empty string (the template leaves the sentence out).
func humanTime(lang, rfc3339 string) (string, error) {
	rfc3339 = strings.TrimSpace(rfc3339)
	if rfc3339 == "" {
		return "", nil
	}
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return "", fmt.Errorf("not an RFC 3339 time: %q", rfc3339)
	}
	t = t.UTC()
	month := months[lang][t.Month()-1]
	switch lang {
	case "nl":
		return fmt.Sprintf("%d %s %d om %02d:%02d (UTC)", t.Day(), month, t.Year(), t.Hour(), t.Minute()), nil
	case "de":
		return fmt.Sprintf("%d. %s %d um %02d:%02d Uhr (UTC)", t.Day(), month, t.Year(), t.Hour(), t.Minute()), nil
	default:
		return fmt.Sprintf("%d %s %d at %02d:%02d (UTC)", t.Day(), month, t.Year(), t.Hour(), t.Minute()), nil
	}
}
