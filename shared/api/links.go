package api

import "strings"

// BaseURL is where mail links point: the configured app URL, or else this
// API itself as the request reached it (the template can
// not name the API's own URL without a circular dependency).
func BaseURL(req Request, appURL string) string {
	if appURL != "" {
		return strings.TrimRight(appURL, "/")
	}
	base := "https://" + req.RequestContext.DomainName
	if stage := req.RequestContext.Stage; stage != "" && stage != "$default" {
		base += "/" + stage
	}
	return base
}
