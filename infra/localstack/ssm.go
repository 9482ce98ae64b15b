package localstack

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// ssmServer answers SSM's GetParameter for the parameters the operator
// creates next to the stack (Config.SSMParameters; in AWS scripts/deploy.sh
// makes them). Functions reach it through AWS_ENDPOINT_URL_SSM and make the
// very call they make in AWS, so the call is also recorded and checked
// against their policies. No npm SSM emulator exists; this is the one
// service the stack answers itself, and only this one call.
type ssmServer struct {
	region string
	params map[string]string
	srv    *http.Server
	url    string
}

func startSSM(region string, params map[string]string) (*ssmServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	s := &ssmServer{region: region, params: params, url: "http://" + ln.Addr().String()}
	s.srv = &http.Server{Handler: s}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *ssmServer) Close() { _ = s.srv.Close() }

// SSMURL is the stack's SSM endpoint, for operator tools run beside it
// (scripts/owner-invite.sh --local).
func (s *Stack) SSMURL() string { return s.ssmURL() }

// ssmURL is the SSM endpoint functions get ("" before Start serves it).
func (s *Stack) ssmURL() string {
	if s.ssm == nil {
		return ""
	}
	return s.ssm.url
}

func (s *ssmServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	// AWS refuses unsigned requests; so does this endpoint, so a call that
	// works here is a SigV4 call for the service "ssm" in the stack's region.
	scope := "/" + s.region + "/ssm/aws4_request"
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(auth, scope) {
		fail(http.StatusBadRequest, "MissingAuthenticationTokenException", "request is not signed for ssm in "+s.region)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" {
		fail(http.StatusBadRequest, "UnknownOperationException", "the local stack's SSM endpoint answers GetParameter only")
		return
	}
	var in struct {
		Name           string
		WithDecryption bool
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		fail(http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	value, ok := s.params[in.Name]
	if !ok {
		fail(http.StatusBadRequest, "ParameterNotFound", "")
		return
	}
	if !in.WithDecryption {
		value = "****" // a SecureString read without decryption
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{
		"Name": in.Name, "Type": "SecureString", "Value": value, "Version": 1,
		"ARN": fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", s.region, accountID, strings.TrimPrefix(in.Name, "/")),
	}})
}
