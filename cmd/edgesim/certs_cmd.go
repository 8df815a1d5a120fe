package main

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/edge/policy"
)

func (a *app) certsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "certs",
		Short: "Lab PKI: the lab CA, certificates for peers, and the Edge's verdict on a certificate",
		Example: `  edgesim certs init
  edgesim certs issue --cn vcse.acano.steven.lab --san vcse.acano.steven.lab --out vcse
  edgesim certs inspect vcse.pem --fqdn vcse.acano.steven.lab`,
	}
	c.AddCommand(a.certsInitCmd(), a.certsIssueCmd(), a.certsInspectCmd())
	return c
}

func (a *app) certsInitCmd() *cobra.Command {
	var keyType string
	var force bool
	c := &cobra.Command{
		Use:   "init",
		Short: "Create the lab CA in <lab.dir>/ca.pem and ca.key (kept when it exists)",
		Example: `  edgesim certs init
  edgesim certs init --key-type rsa2048 --force`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			kt, err := certs.ParseKeyType(keyType)
			if err != nil {
				return usageErr(err)
			}
			ca, created, err := certs.EnsureCA(cfg.Lab.Dir, certs.IssuerLab, certs.CAOptions{KeyType: kt, Force: force})
			if err != nil {
				return usageErr(err)
			}
			verb := "kept existing"
			if created {
				verb = "created"
			}
			fmt.Fprintf(a.stdout, "%s lab CA %q\n  certificate: %s\n  key:         %s\n  fingerprint: %s\n",
				verb, ca.Cert.Subject.CommonName, ca.CertFile, ca.KeyFile, certs.Fingerprint(ca.Cert))
			return nil
		},
	}
	c.Flags().StringVar(&keyType, "key-type", "ecdsa-p256", "key type: ecdsa-p256 or rsa2048")
	c.Flags().BoolVar(&force, "force", false, "replace an existing CA (every certificate it issued stops being trusted)")
	return c
}

func (a *app) certsIssueCmd() *cobra.Command {
	f := &issueFlags{}
	c := &cobra.Command{
		Use:   "issue --cn NAME --out PREFIX",
		Short: "Issue a leaf certificate (serverAuth and clientAuth unless --eku) into PREFIX.pem and PREFIX.key",
		Long: `Issue a leaf certificate from a lab CA. Without --san and --no-san the SAN list is the CN.
--issuer untrusted signs with a second CA that the Edge does not trust; --issuer public with the CA the
lab treats as a public CA (for the office365 trust profile). Wildcard names are allowed: they exist to
show the Edge refusing them.`,
		Example: `  edgesim certs issue --cn vcse.acano.steven.lab --out vcse-good
  edgesim certs issue --cn vcse.steven.lab --out vcse-missing-fqdn
  edgesim certs issue --cn vcse.acano.steven.lab --no-san --out vcse-cn-only
  edgesim certs issue --cn vcse.steven.lab --san '*.acano.steven.lab' --out vcse-wildcard
  edgesim certs issue --cn vcse.acano.steven.lab --issuer untrusted --out vcse-untrusted
  edgesim certs issue --cn vcse.acano.steven.lab --expired --out vcse-expired
  edgesim certs issue --cn vcse.acano.steven.lab --eku server --out vcse-no-clientauth
  edgesim certs issue --cn vcse.acano.steven.lab --no-intermediate --out vcse-chain-cut
  edgesim certs issue --cn vcse.acano.steven.lab --sha1 leaf --key-type rsa2048 --out vcse-sha1
  edgesim certs issue --cn vcse.acano.steven.lab --self-signed --out vcse-factory`,
		Args: args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return a.runIssue(f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.cn, "cn", "", "subject common name (required)")
	fl.StringArrayVar(&f.sans, "san", nil, "subject alternative DNS name (repeatable)")
	fl.BoolVar(&f.noSAN, "no-san", false, "no SAN extension at all: the Edge then reads the CN")
	fl.StringVar(&f.issuer, "issuer", "lab", "issuing CA: lab, untrusted or public")
	fl.BoolVar(&f.expired, "expired", false, "a certificate that has already expired")
	fl.IntVar(&f.days, "days", 397, "validity in days")
	fl.StringVar(&f.keyType, "key-type", "ecdsa-p256", "key type: ecdsa-p256, rsa2048, rsa4096 or rsa8192 (slow to generate)")
	fl.StringVar(&f.eku, "eku", "both", "extended key usage: server, client or both (federation needs both)")
	fl.BoolVar(&f.intermediate, "intermediate", false, "sign with the lab intermediate (lab-intermediate.pem) and send it in the chain")
	fl.BoolVar(&f.noIntermediate, "no-intermediate", false, "sign with the lab intermediate but leave it out of the chain")
	fl.StringVar(&f.sha1, "sha1", "", "sign with SHA-1: leaf, or intermediate (a SHA-1 signed intermediate in the chain)")
	fl.BoolVar(&f.selfSigned, "self-signed", false, "the leaf signs itself, like an Expressway's factory certificate")
	fl.StringVar(&f.out, "out", "", "output prefix: writes PREFIX.pem (leaf, then chain) and PREFIX.key (required)")
	return c
}

// issueFlags are certs issue's flags.
type issueFlags struct {
	cn, issuer, keyType, out, eku, sha1 string
	sans                                []string
	noSAN, expired                      bool
	intermediate, noIntermediate        bool
	selfSigned                          bool
	days                                int
}

// request is the leaf the flags describe and the CA path that signs it.
func (f *issueFlags) request() (certs.LeafRequest, certs.Via, error) {
	kt, err := certs.ParseKeyType(f.keyType)
	if err != nil {
		return certs.LeafRequest{}, "", err
	}
	eku, err := certs.ParseEKU(f.eku)
	if err != nil {
		return certs.LeafRequest{}, "", err
	}
	req := certs.LeafRequest{CommonName: f.cn, SANs: f.sans, NoSAN: f.noSAN, Days: f.days, Expired: f.expired,
		KeyType: kt, EKU: eku, SelfSigned: f.selfSigned, OmitIntermediate: f.noIntermediate}
	via := certs.ViaRoot
	if f.intermediate || f.noIntermediate {
		via = certs.ViaIntermediate
	}
	switch {
	case f.intermediate && f.noIntermediate:
		return req, via, fmt.Errorf("--intermediate and --no-intermediate exclude each other")
	case f.sha1 == "leaf":
		req.SHA1 = true
	case f.sha1 == "intermediate" && via == certs.ViaRoot:
		via = certs.ViaSHA1Intermediate
	case f.sha1 == "intermediate":
		return req, via, fmt.Errorf("--sha1 intermediate makes its own intermediate: leave out --intermediate")
	case f.sha1 != "":
		return req, via, fmt.Errorf("--sha1 %q: want leaf or intermediate", f.sha1)
	}
	if f.selfSigned && via != certs.ViaRoot {
		return req, via, fmt.Errorf("--self-signed has no issuer, so no intermediate")
	}
	return req, via, nil
}

func (a *app) runIssue(f *issueFlags) error {
	if f.cn == "" || f.out == "" {
		return usageErr(fmt.Errorf("--cn and --out are required"))
	}
	if f.noSAN && len(f.sans) > 0 {
		return usageErr(fmt.Errorf("--no-san and --san exclude each other"))
	}
	if f.days < 0 {
		return usageErr(fmt.Errorf("--days must be positive"))
	}
	req, via, err := f.request()
	if err != nil {
		return usageErr(err)
	}
	iss := certs.Issuer(f.issuer)
	switch iss {
	case certs.IssuerLab, certs.IssuerUntrusted, certs.IssuerPublic:
	default:
		return usageErr(fmt.Errorf("--issuer %q: want lab, untrusted or public", f.issuer))
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	ca, err := certs.SigningCA(cfg.Lab.Dir, iss, via)
	if err != nil {
		return usageErr(err)
	}
	leaf, err := ca.Issue(req)
	if err != nil {
		return usageErr(err)
	}
	certFile, keyFile, err := leaf.WriteFiles(f.out)
	if err != nil {
		return usageErr(err)
	}
	l := leaf.Chain[0]
	fmt.Fprintf(a.stdout, "issued %q by %q\n  SANs:        %v\n  EKU:         %s\n  signature:   %s\n  chain sent:  %s\n  valid:       %s to %s\n  certificate: %s\n  key:         %s\n",
		l.Subject.CommonName, l.Issuer.CommonName, l.DNSNames, certs.EKUNames(l), l.SignatureAlgorithm, chainNames(leaf.Chain),
		l.NotBefore.UTC().Format(time.RFC3339), l.NotAfter.UTC().Format(time.RFC3339), certFile, keyFile)
	return nil
}

func chainNames(chain []*x509.Certificate) string {
	names := make([]string, len(chain))
	for i, c := range chain {
		names[i] = c.Subject.CommonName
	}
	return strings.Join(names, " <- ")
}

const inspectLong = `Reads a PEM certificate (leaf first, then chain) and applies the Edge's rules for the given FQDN,
one line a rule: name (in the SAN DNS entries, the CN only when there are none, exact, no wildcards),
trust (the lab CA unless --ca is given), validity and days to expiry, usage (federation uses one
certificate as server and client: it needs both serverAuth and clientAuth), signature (no SHA-1), key,
and the chain as sent (depth, and whether it reaches a root without the store's help). Warning lines
(exit 0) name what is fragile: expiry within 30 days, a chain that validates only thanks to the store,
an 8192-bit key. On failure it prints the ErrorType and HRESULT the Edge would put in ms-diagnostics 1010.`

func (a *app) certsInspectCmd() *cobra.Command {
	var fqdn string
	var caFiles []string
	c := &cobra.Command{
		Use:   "inspect FILE --fqdn NAME",
		Short: "Show a certificate and the Edge's verdict on it for an FQDN (exit 0 pass, 1 fail, 2 unreadable)",
		Long:  inspectLong,
		Example: `  edgesim certs inspect vcse.pem --fqdn vcse.acano.steven.lab
  edgesim certs inspect expressway.pem --fqdn vcse.example.com --ca corporate-root.pem`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if fqdn == "" {
				return usageErr(fmt.Errorf("--fqdn is required"))
			}
			chain, err := certs.ReadCertificates(argv[0])
			if err != nil {
				return usageErr(err)
			}
			var roots *x509.CertPool
			if len(caFiles) > 0 {
				if roots, err = certs.CertPoolFromFiles(caFiles...); err != nil {
					return usageErr(err)
				}
			} else {
				cfg, err := a.loadConfig()
				if err != nil {
					return err
				}
				ca, _, err := certs.EnsureCA(cfg.Lab.Dir, certs.IssuerLab, certs.CAOptions{})
				if err != nil {
					return usageErr(err)
				}
				roots = x509.NewCertPool()
				roots.AddCert(ca.Cert)
			}
			ins := certs.Inspect(chain, fqdn, roots, time.Now())
			ins.WriteText(a.stdout, policy.CertWireText)
			if ins.Result.Fault != certs.FaultNone {
				return errFailed
			}
			return nil
		},
	}
	c.Flags().StringVar(&fqdn, "fqdn", "", "the FQDN the Edge expects (the SRV target) (required)")
	c.Flags().StringArrayVar(&caFiles, "ca", nil, "trusted CA file (repeatable; default: the lab CA)")
	return c
}
