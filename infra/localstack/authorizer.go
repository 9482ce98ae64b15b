package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// jwtAuthorizer checks tokens the way an HTTP API JWT authorizer does:
// signature from the issuer's JWKS, iss, aud (or client_id), exp, nbf, iat,
// and the route's scopes.
type jwtAuthorizer struct {
	name           string
	issuer         string // after the local substitution
	audiences      []string
	identitySource string // "$request.header.Authorization" or "$request.querystring.x"
	scopes         []string
	logs           *logSink
	ctx            context.Context // stack lifetime; ends the JWKS refresh

	mu   sync.Mutex
	keys keyfunc.Keyfunc
}

// cognitoIssuer matches the issuer of a real Cognito user pool.
var cognitoIssuer = regexp.MustCompile(`^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/([^/]+)$`)

func (s *Stack) newJWTAuthorizer(name string, def map[string]any) (*jwtAuthorizer, error) {
	cfg := asMap(def["JwtConfiguration"])
	if cfg == nil {
		return nil, errors.New("only JWT authorizers (JwtConfiguration) are emulated")
	}
	issuer := scalarString(cfg["issuer"])
	if issuer == "" {
		issuer = scalarString(cfg["Issuer"])
	}
	audience := cfg["audience"]
	if audience == nil {
		audience = cfg["Audience"]
	}
	// The one documented substitution: the template names the real Cognito
	// issuer; locally cognito-local issues the tokens under its own URL.
	if m := cognitoIssuer.FindStringSubmatch(issuer); m != nil && s.cfg.Endpoints.Cognito != "" {
		issuer = strings.TrimRight(s.cfg.Endpoints.Cognito, "/") + "/" + m[1]
	}
	source := scalarString(def["IdentitySource"])
	if source == "" {
		source = "$request.header.Authorization"
	}
	return &jwtAuthorizer{
		name:           name,
		issuer:         issuer,
		audiences:      stringList(audience),
		identitySource: source,
		scopes:         stringList(def["AuthorizationScopes"]),
		logs:           s.logs,
		ctx:            s.ctx,
	}, nil
}

// keyfunc fetches the issuer's JWKS on first use and caches it; unknown key
// ids trigger a refresh at most every few seconds.
func (a *jwtAuthorizer) keyfunc() (keyfunc.Keyfunc, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.keys != nil {
		return a.keys, nil
	}
	url := strings.TrimRight(a.issuer, "/") + "/.well-known/jwks.json"
	k, err := keyfunc.NewDefaultOverrideCtx(a.ctx, []string{url}, keyfunc.Override{
		Client:            &http.Client{Timeout: 5 * time.Second},
		HTTPTimeout:       5 * time.Second,
		RateLimitWaitMax:  time.Second,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(5*time.Second), 1),
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				a.logs.printf("authorizer", "%s: JWKS %s: %v", a.name, u, err)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	a.keys = k
	return k, nil
}

// authorize validates the request's token and returns what API Gateway puts
// in requestContext.authorizer.jwt.
func (a *jwtAuthorizer) authorize(ctx context.Context, r *http.Request, routeScopes []string) (
	*events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription, error) {
	token := a.token(r)
	if token == "" {
		return nil, errors.New("no token")
	}
	keys, err := a.keyfunc()
	if err != nil {
		return nil, err
	}
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(a.issuer),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
		jwt.WithJSONNumber(),
	)
	if _, err := parser.ParseWithClaims(token, claims, keys.KeyfuncCtx(ctx)); err != nil {
		return nil, err
	}
	if err := a.checkAudience(claims); err != nil {
		return nil, err
	}
	var scopes []string
	if len(routeScopes) > 0 {
		scopes = tokenScopes(claims)
		if !slices.ContainsFunc(routeScopes, func(s string) bool { return slices.Contains(scopes, s) }) {
			return nil, errors.New("token lacks the route's scopes")
		}
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
		Claims: stringClaims(claims),
		Scopes: scopes,
	}, nil
}

func (a *jwtAuthorizer) token(r *http.Request) string {
	var raw string
	switch {
	case strings.HasPrefix(a.identitySource, "$request.header."):
		raw = r.Header.Get(strings.TrimPrefix(a.identitySource, "$request.header."))
	case strings.HasPrefix(a.identitySource, "$request.querystring."):
		raw = r.URL.Query().Get(strings.TrimPrefix(a.identitySource, "$request.querystring."))
	}
	raw = strings.TrimSpace(raw)
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	return raw
}

// checkAudience: aud must name one of the audiences; only a token without
// aud (a Cognito access token) is checked by client_id instead.
func (a *jwtAuthorizer) checkAudience(claims jwt.MapClaims) error {
	if _, has := claims["aud"]; has {
		aud, err := claims.GetAudience()
		if err != nil {
			return err
		}
		if slices.ContainsFunc(aud, func(x string) bool { return slices.Contains(a.audiences, x) }) {
			return nil
		}
		return errors.New("aud does not match")
	}
	if cid, ok := claims["client_id"].(string); ok && slices.Contains(a.audiences, cid) {
		return nil
	}
	return errors.New("client_id does not match")
}

// tokenScopes reads the space-separated scope (or scp) claim.
func tokenScopes(claims jwt.MapClaims) []string {
	for _, name := range []string{"scope", "scp"} {
		switch v := claims[name].(type) {
		case string:
			return strings.Fields(v)
		case []any:
			var out []string
			for _, e := range v {
				out = append(out, claimString(e))
			}
			return out
		}
	}
	return nil
}

// stringClaims renders claims as API Gateway does: strings as they are,
// numbers in plain decimal, arrays as "[a b c]", objects as JSON.
func stringClaims(claims jwt.MapClaims) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return strconv.FormatInt(i, 10)
		}
		if f, err := t.Float64(); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return t.String()
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		raw, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(raw)
	}
}
