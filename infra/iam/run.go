package iam

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"backoffice/infra/localstack"
	"backoffice/shared/awsenv"
)

// Run is what is needed to resolve the template as one local stack did:
// saved as <name>.run.json next to the calls its functions recorded
// (<name>.calls.jsonl), so the calls of every test package can be checked
// together once all have run (infra/cmd/iamcheck), against the template as
// it is then.
type Run struct {
	StackName, Region string
	Parameters        map[string]string // CloudFormation parameter overrides
	Physical          map[string]string // logical id → physical id of provisioned resources
}

// Save writes the run to path (….run.json).
func (r Run) Save(path string) error {
	raw, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

// Batch resolves the template at root as the run's stack did and pairs it
// with calls.
func (r Run) Batch(root string, calls []awsenv.Call) (Batch, error) {
	fps, hashKeys, err := localstack.ResolveFunctions(localstack.Config{
		Root: root, StackName: r.StackName, Region: r.Region, Parameters: r.Parameters,
	}, r.Physical)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Calls: calls, Account: Account{Partition: "aws", Region: r.Region, ID: localstack.AccountID,
		HashKey: func(table, index string) string {
			if index != "" {
				return hashKeys[table+"/"+index]
			}
			return hashKeys[table]
		}}}
	for _, fp := range fps {
		policy, err := ParsePolicies(fp.Policies)
		if err != nil {
			return Batch{}, fmt.Errorf("function %s: %w", fp.LogicalID, err)
		}
		b.Functions = append(b.Functions, Function{Name: fp.Name, LogicalID: fp.LogicalID, Policy: policy})
	}
	return b, nil
}

// CallsFile is where the calls of the run saved at runPath are recorded.
func CallsFile(runPath string) string {
	return strings.TrimSuffix(runPath, ".run.json") + ".calls.jsonl"
}

// ReadCalls reads a file of recorded calls (a missing file has none).
func ReadCalls(path string) ([]awsenv.Call, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []awsenv.Call
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var c awsenv.Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// LoadRuns reads every run saved in dir with its calls, resolved against
// the template at root, one batch each.
func LoadRuns(root, dir string) ([]Batch, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.run.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no recorded runs in %s (run the integration tests first)", dir)
	}
	sort.Strings(paths)
	var out []Batch
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r Run
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		calls, err := ReadCalls(CallsFile(p))
		if err != nil {
			return nil, err
		}
		b, err := r.Batch(root, calls)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, b)
	}
	return out, nil
}
