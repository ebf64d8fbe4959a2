-- Neovim + nvim-lspconfig: rust-analyzer with build scripts and proc macros
-- confined by bsbox.  Put this in init.lua (or after/plugin/), adjust the
-- paths if bsbox is not installed under /usr/local.  See docs/editors.md.
local bsbox_settings = {
  ['rust-analyzer'] = {
    cargo = {
      -- cargo check/build run by rust-analyzer: every build script via bsbox
      extraEnv = { RUSTC_WRAPPER = 'bsbox' },
      -- toolchains < 1.89: don't let rust-analyzer replace RUSTC_WRAPPER
      buildScripts = { useRustcWrapper = false },
    },
    procMacro = {
      enable = true,
      server = '/usr/local/share/bsbox/bsbox-proc-macro-srv',
    },
  },
}

-- Tell the confined proc-macro server which workspace it may read (it
-- inherits rust-analyzer's environment).
local function with_workspace(config, root_dir)
  config.cmd_env = vim.tbl_extend('force', config.cmd_env or {}, { BSBOX_WORKSPACE = root_dir })
end

if vim.lsp.config then
  -- Neovim >= 0.11
  -- rust-analyzer (and so the proc-macro server) starts in Neovim's working
  -- directory: start nvim inside the project, or export BSBOX_WORKSPACE.
  vim.lsp.config('rust_analyzer', { settings = bsbox_settings })
  vim.lsp.enable('rust_analyzer')
else
  -- Neovim 0.9/0.10 with nvim-lspconfig
  require('lspconfig').rust_analyzer.setup({
    settings = bsbox_settings,
    on_new_config = with_workspace,
  })
end
