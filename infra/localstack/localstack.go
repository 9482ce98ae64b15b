// Package localstack runs template.yaml on one machine without Docker or the
// SAM CLI: it provisions the template's tables and user pools in local
// emulators, builds every function, runs them as processes speaking the real
// Lambda Runtime API, and serves the HTTP API the way API Gateway (payload
// format 2.0, JWT authorizer, CORS) does. DynamoDB stream event sources,
// S3 events through EventBridge rules, scheduled rules and CloudFormation
// custom resources run too. See README.md.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Endpoints are the base URLs of the emulators, e.g. http://127.0.0.1:8000.
// An empty endpoint skips provisioning of that service (useful in unit tests):
// resources then get stable fake ids.
type Endpoints struct {
	DynamoDB, Cognito, SES, S3 string
	// S3Events is the file the S3 emulator appends its object events to
	// (emulators.Set.S3Events); they reach functions with EventBridgeRule
	// events. Empty: those functions get no events.
	S3Events string
}

// Config says what to run and where.
type Config struct {
	Root       string            // repo root: template.yaml and functions/<name>/ live here
	Template   string            // path to template (default Root/template.yaml)
	Addr       string            // listen address for the HTTP API, e.g. "127.0.0.1:3000" or "127.0.0.1:0"
	StateDir   string            // where binaries and provisioning state go; created if missing
	StackName  string            // default "backoffice"
	Region     string            // default "eu-west-1"
	Endpoints  Endpoints         // emulators
	Parameters map[string]string // CloudFormation parameter overrides
	ExtraEnv   map[string]string // added to every function's environment
	// SSMParameters are the SecureString parameters of the account, by name
	// (scripts/deploy.sh creates the cursor key in AWS); functions read them
	// from the stack's own SSM endpoint.
	SSMParameters map[string]string
	// RecordCalls, when set, is the file every function appends its AWS
	// calls to (shared/awsenv.RecordEnv), for infra/iam to check.
	RecordCalls string
	// ManualSchedules: scheduled rules run only when FireSchedule says so,
	// never on their own (tests decide when a sweep happens).
	ManualSchedules bool
	Logs            io.Writer // function logs, each line prefixed "[<function dir name>] "; nil = os.Stderr
}

func (c Config) withDefaults() (Config, error) {
	if c.Root == "" {
		return c, errors.New("localstack: Config.Root is required")
	}
	root, err := filepath.Abs(c.Root)
	if err != nil {
		return c, fmt.Errorf("localstack: root: %w", err)
	}
	c.Root = root
	if c.Template == "" {
		c.Template = filepath.Join(c.Root, "template.yaml")
	}
	if c.StateDir == "" {
		c.StateDir = filepath.Join(c.Root, ".local", "stack")
	}
	if c.StateDir, err = filepath.Abs(c.StateDir); err != nil {
		return c, fmt.Errorf("localstack: state dir: %w", err)
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.StackName == "" {
		c.StackName = "backoffice"
	}
	if c.Region == "" {
		c.Region = "eu-west-1"
	}
	if c.Logs == nil {
		c.Logs = os.Stderr
	}
	return c, nil
}

// Stack is a running local copy of the template.
type Stack struct {
	cfg   Config
	tmpl  *template
	res   *resolver
	logs  *logSink
	state *stateFile
	aws   *awsClients // nil members for services without an endpoint

	// ctx lives as long as the stack; Start's ctx only bounds starting.
	ctx    context.Context
	cancel context.CancelFunc

	ln        net.Listener
	srv       *http.Server
	functions map[string]*function // by logical id
	gateway   *gateway
	streams   []*streamPoller
	bus       *eventBus // nil without EventBridge rules or an S3 event file
	schedules []*scheduleRule
	streamsWG sync.WaitGroup
	cfn       *cfnResponder
	ssm       *ssmServer

	mu       sync.Mutex
	physical map[string]physicalResource
	outputs  map[string]string

	closeOnce sync.Once
	closeErr  error
}

// physicalResource is what Ref and Fn::GetAtt answer for a provisioned resource.
type physicalResource struct {
	ref   any
	attrs map[string]any
}

// Start builds, provisions and serves the template; it returns once the HTTP
// API accepts requests, stream pollers run and custom resources are created.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	cfg, err = cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tmpl, err := loadTemplate(cfg.Template)
	if err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("localstack: state dir: %w", err)
	}
	s := &Stack{
		cfg:       cfg,
		tmpl:      tmpl,
		logs:      &logSink{w: cfg.Logs},
		functions: map[string]*function{},
		physical:  map[string]physicalResource{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			_ = s.Close()
			err = fmt.Errorf("localstack: %w", err)
		}
	}()

	// Listen first: the API's own URL is known before anything refers to it.
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if s.res, err = newResolver(tmpl, cfg.Region, cfg.StackName, cfg.Parameters, s.lookup); err != nil {
		return nil, err
	}
	if s.state, err = loadState(filepath.Join(cfg.StateDir, "state.json")); err != nil {
		return nil, err
	}
	s.aws = newAWSClients(cfg)
	if s.ssm, err = startSSM(cfg.Region, cfg.SSMParameters); err != nil {
		return nil, err
	}

	if err := s.provisionTables(ctx); err != nil {
		return nil, err
	}
	if err := s.provisionCognito(ctx); err != nil {
		return nil, err
	}
	if err := s.provisionBuckets(ctx); err != nil {
		return nil, err
	}
	if err := s.loadFunctions(); err != nil {
		return nil, err
	}
	if err := s.loadSchedules(); err != nil {
		return nil, err
	}
	if err := s.buildFunctions(ctx); err != nil {
		return nil, err
	}
	s.startRuntimes()
	if err := s.serveHTTPAPI(); err != nil {
		return nil, err
	}
	// Pollers start before custom resources: those may write items whose
	// stream records must reach their functions.
	if err := s.startStreams(ctx); err != nil {
		return nil, err
	}
	if err := s.startEventBus(); err != nil {
		return nil, err
	}
	s.startSchedules()
	if err := s.runCustomResources(ctx); err != nil {
		return nil, err
	}
	if s.outputs, err = s.resolveOutputs(); err != nil {
		return nil, err
	}
	return s, nil
}

// URL is the base URL of the HTTP API, e.g. http://127.0.0.1:3000.
func (s *Stack) URL() string {
	if s.ln == nil {
		return "http://127.0.0.1:0" // resolving without serving (ResolveFunctions)
	}
	return "http://" + s.ln.Addr().String()
}

// Resource returns the physical id of a resource (table name, pool id,
// client id, function name ...), or "" if it has none.
func (s *Stack) Resource(logicalID string) string {
	v, err := s.lookup(logicalID, "")
	if err != nil {
		return ""
	}
	return scalarString(v)
}

// Outputs returns the template's Outputs, resolved.
func (s *Stack) Outputs() map[string]string {
	out := make(map[string]string, len(s.outputs))
	for k, v := range s.outputs {
		out[k] = v
	}
	return out
}

// Close stops pollers, the HTTP API and every function process.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.streamsWG.Wait()
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if err := s.srv.Shutdown(ctx); err != nil {
				_ = s.srv.Close()
			}
			cancel()
		} else if s.ln != nil {
			_ = s.ln.Close()
		}
		if s.cfn != nil {
			s.cfn.Close()
		}
		if s.ssm != nil {
			s.ssm.Close()
		}
		var wg sync.WaitGroup
		for _, fn := range s.functions {
			if fn.rt != nil {
				wg.Add(1)
				go func() { defer wg.Done(); fn.rt.Close() }()
			}
		}
		wg.Wait()
		if s.state != nil {
			s.closeErr = s.state.save()
		}
	})
	return s.closeErr
}

func (s *Stack) setPhysical(id string, p physicalResource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.physical[id] = p
}

// lookup answers Ref (attr == "") and Fn::GetAtt. Provisioned resources
// answer from what provisioning recorded; the rest get the values SAM and
// CloudFormation would give them, or stable fakes.
func (s *Stack) lookup(id, attr string) (any, error) {
	s.mu.Lock()
	p, ok := s.physical[id]
	s.mu.Unlock()
	if ok {
		if attr == "" {
			return p.ref, nil
		}
		if v, ok := p.attrs[attr]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("%s has no attribute %s", id, attr)
	}
	res, ok := s.tmpl.Resources[id]
	if !ok {
		return nil, fmt.Errorf("unknown resource %s", id)
	}
	switch {
	case res.Type == typeTable, res.Type == typeUserPool, res.Type == typeUserPoolClient, isCustomResource(res.Type):
		return nil, fmt.Errorf("%s (%s) is not provisioned yet", id, res.Type)
	case res.Type == typeFunction:
		name := s.functionName(res)
		if attr == "" {
			return name, nil
		}
		if attr == "Arn" {
			return functionArn(s.cfg.Region, name), nil
		}
	case res.Type == typeHttpApi:
		switch attr {
		case "":
			return "local", nil
		case "ApiEndpoint":
			return s.URL(), nil
		}
	}
	name := s.cfg.StackName + "-" + id
	if attr == "" {
		return name, nil
	}
	if attr == "Arn" {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", serviceOf(res.Type), s.cfg.Region, accountID, name), nil
	}
	return name + "." + attr, nil
}

func functionArn(region, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, accountID, name)
}

// serviceOf turns "AWS::SQS::Queue" into "sqs" for fake ARNs.
func serviceOf(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) < 2 {
		return "local"
	}
	return strings.ToLower(parts[1])
}

func (s *Stack) resolveOutputs() (map[string]string, error) {
	out := map[string]string{}
	for name, def := range s.tmpl.Outputs {
		d := asMap(def)
		if cond, _ := d["Condition"].(string); cond != "" && !s.res.conds[cond] {
			continue
		}
		v, err := s.res.resolve(d["Value"])
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		out[name] = scalarString(v)
	}
	return out, nil
}

// Resource types the stack knows.
const (
	typeTable          = "AWS::DynamoDB::Table"
	typeUserPool       = "AWS::Cognito::UserPool"
	typeUserPoolClient = "AWS::Cognito::UserPoolClient"
	typeFunction       = "AWS::Serverless::Function"
	typeHttpApi        = "AWS::Serverless::HttpApi"
	typeCustomResource = "AWS::CloudFormation::CustomResource"
)

func isCustomResource(typ string) bool {
	return typ == typeCustomResource || strings.HasPrefix(typ, "Custom::")
}
