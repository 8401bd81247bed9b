"""CMSIS packs for h7voice: `h7voice packs fetch` downloads ST's STM32H7xx_DFP and Arm's
CMSIS packs with cmsis-pack-manager (online machines only); `h7voice packs check` runs the
register tests against the fetched pack's device header instead of ../shared/st.
cheader and regcheck are the register test's parser and checks (used by the tests)."""
