package localstack

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"backoffice/shared/awsenv"
)

// function is one AWS::Serverless::Function with Globals merged in and every
// property resolved.
type function struct {
	LogicalID string
	Name      string // function name (FunctionName or <StackName>-<LogicalId>)
	Arn       string
	CodeURI   string // relative to Root
	Dir       string // base name of CodeUri: bin/<Dir>/bootstrap (shared by functions with one CodeUri)
	Label     string // log prefix: Dir, or for a second function of the same CodeUri its logical id in kebab case
	Timeout   time.Duration
	Memory    int
	Props     map[string]any
	rt        *runtimeFunc
}

// Defaults of AWS::Serverless::Function.
const (
	defaultTimeout = 3 * time.Second
	defaultMemory  = 128
)

func (s *Stack) functionName(res *resource) string {
	if v, ok := res.Properties["FunctionName"]; ok {
		if name, err := s.res.resolve(v); err == nil && scalarString(name) != "" {
			return scalarString(name)
		}
	}
	return s.cfg.StackName + "-" + res.LogicalID
}

// loadFunctions resolves every enabled function whose CodeUri is a folder of
// the repository; others (S3 code, inline code) can not run locally.
func (s *Stack) loadFunctions() error {
	dirs := map[string]string{}
	for _, id := range s.tmpl.Order {
		res := s.tmpl.Resources[id]
		if res.Type != typeFunction || !s.res.enabled(res) {
			continue
		}
		props, err := s.res.resolveMap(mergeGlobals(s.tmpl.Globals, res.Properties))
		if err != nil {
			return fmt.Errorf("function %s: %w", id, err)
		}
		codeURI, _ := props["CodeUri"].(string)
		if codeURI == "" {
			s.logs.printf("localstack", "skipping %s: CodeUri is not a local folder", id)
			continue
		}
		if st, err := os.Stat(filepath.Join(s.cfg.Root, codeURI)); err != nil || !st.IsDir() {
			s.logs.printf("localstack", "skipping %s: %s is not a folder under %s", id, codeURI, s.cfg.Root)
			continue
		}
		// Functions may share a CodeUri (the same code configured twice,
		// e.g. per realm), but not a folder name from two places.
		dir := filepath.Base(filepath.Clean(codeURI))
		label := dir
		if other, dup := dirs[dir]; dup {
			if other != filepath.Clean(codeURI) {
				return fmt.Errorf("function %s: CodeUri %s and %s share the folder name %q", id, other, codeURI, dir)
			}
			label = kebab(strings.TrimSuffix(id, "Function"))
		}
		dirs[dir] = filepath.Clean(codeURI)
		fn := &function{
			LogicalID: id,
			Name:      s.functionName(res),
			CodeURI:   filepath.ToSlash(filepath.Clean(codeURI)),
			Dir:       dir,
			Label:     label,
			Timeout:   defaultTimeout,
			Memory:    defaultMemory,
			Props:     props,
		}
		fn.Arn = functionArn(s.cfg.Region, fn.Name)
		if t, err := strconv.ParseFloat(scalarString(props["Timeout"]), 64); err == nil && t > 0 {
			fn.Timeout = time.Duration(t * float64(time.Second))
		}
		if m, err := strconv.Atoi(scalarString(props["MemorySize"])); err == nil && m > 0 {
			fn.Memory = m
		}
		s.functions[id] = fn
	}
	return nil
}

// mergeGlobals applies SAM's Globals rules: maps merge key by key (so
// Environment.Variables combine), lists add up, scalars of the function win.
func mergeGlobals(global, local map[string]any) map[string]any {
	out := make(map[string]any, len(global)+len(local))
	for k, v := range global {
		out[k] = v
	}
	for k, v := range local {
		out[k] = mergeValue(out[k], v)
	}
	return out
}

func mergeValue(global, local any) any {
	gm, gok := global.(map[string]any)
	lm, lok := local.(map[string]any)
	if gok && lok && !isIntrinsic(gm) && !isIntrinsic(lm) {
		return mergeGlobals(gm, lm)
	}
	gl, gok := global.([]any)
	ll, lok := local.([]any)
	if gok && lok {
		return append(append([]any(nil), gl...), ll...)
	}
	return local
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// environment is what Lambda gives a process, with the emulators' endpoints.
func (s *Stack) environment(fn *function, urls map[string]string) []string {
	env := map[string]string{}
	for k, v := range asMap(asMap(fn.Props["Environment"])["Variables"]) {
		env[k] = scalarString(v)
	}
	logGroup := "/aws/lambda/" + fn.Name
	if lg := scalarString(asMap(fn.Props["LoggingConfig"])["LogGroup"]); lg != "" {
		logGroup = lg
	}
	handler := scalarString(fn.Props["Handler"])
	if handler == "" {
		handler = "bootstrap"
	}
	taskRoot := filepath.Dir(s.binaryPath(fn))
	// s3rver checks that requests are signed by its one key pair; the other
	// emulators accept any key, so with S3 every function signs with it.
	accessKey := "local"
	if s.cfg.Endpoints.S3 != "" {
		accessKey = "S3RVER"
	}
	reserved := map[string]string{
		"AWS_REGION":                                 s.cfg.Region,
		"AWS_DEFAULT_REGION":                         s.cfg.Region,
		"AWS_ACCESS_KEY_ID":                          accessKey,
		"AWS_SECRET_ACCESS_KEY":                      accessKey,
		"AWS_LAMBDA_FUNCTION_NAME":                   fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE":            strconv.Itoa(fn.Memory),
		"AWS_LAMBDA_FUNCTION_VERSION":                "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":                  logGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME":                 "local/[$LATEST]" + fn.Label,
		"AWS_LAMBDA_INITIALIZATION_TYPE":             "on-demand",
		"AWS_EXECUTION_ENV":                          "AWS_Lambda_" + scalarString(fn.Props["Runtime"]),
		"LAMBDA_TASK_ROOT":                           taskRoot,
		"_HANDLER":                                   handler,
		"TZ":                                         "UTC",
		"PATH":                                       os.Getenv("PATH"),
		"HOME":                                       os.Getenv("HOME"),
		"AWS_ENDPOINT_URL_DYNAMODB":                  s.cfg.Endpoints.DynamoDB,
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS":          s.cfg.Endpoints.DynamoDB,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": s.cfg.Endpoints.Cognito,
		"AWS_ENDPOINT_URL_SES":                       s.cfg.Endpoints.SES,
		"AWS_ENDPOINT_URL_SESV2":                     s.cfg.Endpoints.SES,
		"AWS_ENDPOINT_URL_S3":                        s.cfg.Endpoints.S3,
		"AWS_ENDPOINT_URL_SSM":                       s.ssmURL(),
	}
	for k, v := range reserved {
		if v != "" || !strings.HasPrefix(k, "AWS_ENDPOINT_URL_") {
			env[k] = v
		}
	}
	// Links to a CloudFront distribution in front of a bucket go to s3rver.
	for k, v := range env {
		for remote, local := range urls {
			if v == remote || strings.HasPrefix(v, remote+"/") {
				env[k] = local + strings.TrimPrefix(v, remote)
			}
		}
	}
	for k, v := range s.cfg.ExtraEnv {
		env[k] = v
	}
	if s.cfg.RecordCalls != "" {
		env[awsenv.RecordEnv] = s.cfg.RecordCalls
	}
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

func (s *Stack) binaryPath(fn *function) string {
	return filepath.Join(s.cfg.StateDir, "bin", fn.Dir, "bootstrap")
}

// startRuntimes prepares every function; processes start on first use.
func (s *Stack) startRuntimes() {
	urls := s.localURLs()
	for _, fn := range s.functions {
		fn.rt = newRuntimeFunc(s.ctx, fn, s.binaryPath(fn), s.environment(fn, urls), s.logs)
	}
}

// functionByArn finds a function of this template by its ARN (ServiceToken).
func (s *Stack) functionByArn(arn string) *function {
	for _, fn := range s.functions {
		if fn.Arn == arn {
			return fn
		}
	}
	return nil
}

// kebab turns a logical id into a log label: CustomerAuthLogin → customer-auth-login.
func kebab(id string) string {
	var b strings.Builder
	for i, r := range id {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
