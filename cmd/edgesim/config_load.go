package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/config"
)

const defaultConfigFile = "edgesim.yaml"

// keyDelim is not "." because zone names in dns.zones contain dots.
const keyDelim = "::"

// loadConfig layers defaults < file < EDGESIM_* environment and validates the result.
// The file is first decoded strictly so unknown keys and wrong types name the file, line and key.
func (a *app) loadConfig() (config.Config, error) {
	cfg := config.Default()
	file, explicit := a.configFile, a.configFile != ""
	if !explicit {
		file = defaultConfigFile
	}
	data, err := os.ReadFile(file)
	switch {
	case err == nil:
		if err := config.DecodeStrictYAML(file, data, &cfg); err != nil {
			return cfg, usageErr(err)
		}
	case explicit || !errors.Is(err, fs.ErrNotExist):
		return cfg, usageErr(fmt.Errorf("config: %w", err))
	default:
		file = ""
	}
	out, v, err := layerEnvironment(cfg)
	if err != nil {
		return cfg, err
	}
	if out.DNS.Zones == nil {
		out.DNS.Zones = map[string]string{}
	}
	if err := out.Validate(); err != nil {
		where := "defaults and environment"
		if file != "" {
			where = file
		}
		return out, usageErr(fmt.Errorf("config %s:\n%w", where, err))
	}
	a.v = v
	return out, nil
}

// layerEnvironment lays the EDGESIM_* environment over cfg, refusing variables that name no key.
func layerEnvironment(cfg config.Config) (config.Config, *viper.Viper, error) {
	v := viper.NewWithOptions(viper.KeyDelimiter(keyDelim))
	v.SetConfigType("yaml")
	layered, err := yaml.Marshal(cfg)
	if err != nil {
		return cfg, nil, fmt.Errorf("config: %w", err)
	}
	if err := v.ReadConfig(strings.NewReader(string(layered))); err != nil {
		return cfg, nil, fmt.Errorf("config: %w", err)
	}
	v.SetEnvPrefix("EDGESIM")
	v.SetEnvKeyReplacer(strings.NewReplacer(keyDelim, "_"))
	v.AutomaticEnv()
	out := config.Config{}
	err = v.Unmarshal(&out, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.TagName = "mapstructure"
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		)
	})
	if err != nil {
		return cfg, nil, usageErr(fmt.Errorf("config (environment EDGESIM_*): %w", err))
	}
	return out, v, nil
}
