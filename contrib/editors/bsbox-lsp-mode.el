;;; bsbox-lsp-mode.el --- rust-analyzer via lsp-mode, confined by bsbox  -*- lexical-binding: t; -*-
;; Load from init.el: (load "/path/to/contrib/editors/bsbox-lsp-mode.el")
;; lsp-mode sends these as rust-analyzer's initializationOptions
;; (cargo.extraEnv, cargo.useRustcWrapperForBuildScripts, procMacro.server).
;; See docs/editors.md.
(with-eval-after-load 'lsp-rust
  (setq lsp-rust-analyzer-cargo-extra-env '(:RUSTC_WRAPPER "bsbox")
        lsp-rust-analyzer-use-rustc-wrapper-for-build-scripts nil
        lsp-rust-analyzer-proc-macro-enable t
        lsp-rust-analyzer-proc-macro-server "/usr/local/share/bsbox/bsbox-proc-macro-srv"))
;;; bsbox-lsp-mode.el ends here
