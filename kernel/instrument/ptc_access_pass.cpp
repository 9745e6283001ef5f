// ptcheck's access instrumentation: an LLVM 14 new-pass-manager plugin that makes every plain 8-byte
// load and store of a kernel translation unit a call into the kernel runtime (SPEC §10,
// notes/kernel-design.md "Access instrumentation"):
//
//   load  i64 / 64-bit pointer  ->  uint64_t __ptc_instr_load8(const uint64_t *p)
//   store i64 / 64-bit pointer  ->  void     __ptc_instr_store8(uint64_t *p, uint64_t v)
//
// The runtime routes an address inside a live table to the instance's ptc_hw (read/write: counted for @N,
// traced, a point where the device may act) and does a plain access of any other address. So a kernel
// file's `ptep[i] = pte` and `pte = *ptep` become descriptor accesses exactly like READ_ONCE/WRITE_ONCE.
//
// Used as `clang -fpass-plugin=libptc_access_instrument.so` (or `opt -load-pass-plugin=... -passes=
// ptc-access-instrument`). It runs at pipeline start, at -O0 as at -O2, so it sees each access as the
// source wrote it: before SROA, instcombine, loop idioms or the vectorizers could merge, widen or turn
// stores into memset.
//
// What it leaves alone, and why:
//  - atomic and volatile loads/stores, cmpxchg, atomicrmw: not plain accesses. The include tree maps
//    READ_ONCE, WRITE_ONCE and the atomics of descriptors onto ptc_k_* calls itself (were WRITE_ONCE a
//    volatile store, the harness would report the descriptor it changed as an unseen write).
//  - accesses of other widths: a descriptor is 8 bytes (SPEC §6); a 32-bit access is not one.
//  - accesses whose alignment the IR gives as less than 8: descriptors are naturally aligned (the walker
//    reads them so); an under-aligned access (packed struct) is not a descriptor access, and the runtime
//    may assume the addresses it gets are 8-byte aligned.
//  - accesses whose address is (a GEP or cast of) a local alloca or a global variable: tables are only
//    ever memory from ptc_k_alloc_table (SPEC §6: a table is memory alloc_table returned), so the runtime
//    would do a plain access there anyway. Skipping them is exact, and it keeps -O0 code, where every
//    local variable lives in an alloca, nearly as fast as before.
//  - llvm.memset / llvm.memcpy / llvm.memmove: left as they are. io-pgtable code clears fresh tables
//    through the allocator (__GFP_ZERO), and a table changed by one anyway is not missed silently: the
//    harness's shadow reports a descriptor changed without a ptc_hw access (`unseen-write`, SPEC §6).
//  - the runtime itself, should it be compiled with the plugin: __ptc_instr_load8's own plain access must
//    not call __ptc_instr_load8, nor may anything it calls. A module that defines __ptc_instr_load8 or
//    __ptc_instr_store8 is the runtime and is left whole; in any module, functions named `__ptc_*` or
//    `ptc_k_*` (the runtime's reserved prefixes: the include tree's inline helpers) and functions marked
//    __attribute__((disable_sanitizer_instrumentation)) are left alone.
//
// Each module it instruments defines `const int __ptc_access_instrumented = 1` (weak, hidden), so the
// adapter can tell an instrumented library from one built without the plugin (gcc, a forgotten flag). The
// runtime's module does not: it would make an uninstrumented kernel file look instrumented.
#include "llvm/ADT/StringRef.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Attributes.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

using namespace llvm;

namespace {

constexpr const char *kLoadFn = "__ptc_instr_load8";
constexpr const char *kStoreFn = "__ptc_instr_store8";
constexpr const char *kMarker = "__ptc_access_instrumented";

// The 64-bit integer or pointer type this pass rewrites accesses of (in address space 0), or not.
bool isEightByteScalar(Type *t, const DataLayout &dl) {
  if (t->isIntegerTy(64))
    return true;
  return t->isPointerTy() && dl.getTypeSizeInBits(t) == 64;
}

// An access the pass rewrites: plain, of an 8-byte scalar, naturally aligned, in address space 0, at an
// address that may lie in a table (not in a local or global variable).
bool isCandidate(Value *ptr, Type *valueTy, bool simple, Align align, const DataLayout &dl) {
  if (!simple || align.value() < 8 || !isEightByteScalar(valueTy, dl))
    return false;
  if (ptr->getType()->getPointerAddressSpace() != 0)
    return false;
  const Value *base = getUnderlyingObject(ptr);
  return !isa<AllocaInst>(base) && !isa<GlobalVariable>(base);
}

// The runtime's own functions: their plain accesses are the accesses the calls end in.
bool isRuntimeFunction(const Function &f) {
  StringRef name = f.getName();
  return name.startswith("__ptc_") || name.startswith("ptc_k_") ||
         f.hasFnAttribute(Attribute::DisableSanitizerInstrumentation);
}

// The module is the runtime's: it defines the functions the rewritten accesses call.
bool definesRuntime(const Module &m) {
  for (const char *name : {kLoadFn, kStoreFn}) {
    const Function *f = m.getFunction(name);
    if (f && !f->isDeclaration())
      return true;
  }
  return false;
}

class AccessInstrumenter {
public:
  explicit AccessInstrumenter(Module &m)
      : m_(m), dl_(m.getDataLayout()), ctx_(m.getContext()), i64_(Type::getInt64Ty(ctx_)),
        i64p_(PointerType::get(i64_, 0)) {}

  // Rewrites every candidate access of `f`.
  void run(Function &f) {
    if (f.isDeclaration() || isRuntimeFunction(f))
      return;
    std::vector<Instruction *> work;
    for (Instruction &inst : instructions(f)) {
      if (auto *ld = dyn_cast<LoadInst>(&inst)) {
        if (isCandidate(ld->getPointerOperand(), ld->getType(), ld->isSimple(), ld->getAlign(), dl_))
          work.push_back(ld);
      } else if (auto *st = dyn_cast<StoreInst>(&inst)) {
        if (isCandidate(st->getPointerOperand(), st->getValueOperand()->getType(), st->isSimple(),
                        st->getAlign(), dl_))
          work.push_back(st);
      }
    }
    for (Instruction *inst : work) {
      if (auto *ld = dyn_cast<LoadInst>(inst))
        rewriteLoad(ld);
      else
        rewriteStore(cast<StoreInst>(inst));
    }
  }

  // Defines the marker (or completes a declaration of it: the adapter, in the same translation unit,
  // declares it extern weak to read it).
  void defineMarker() {
    Type *i32 = Type::getInt32Ty(ctx_);
    GlobalVariable *gv = m_.getGlobalVariable(kMarker, /*AllowInternal=*/true);
    if (gv && !gv->isDeclaration())
      return;  // defined already: this module was instrumented before (the pass ran twice)
    if (gv && !gv->getValueType()->isIntegerTy()) {
      errs() << "ptc_access_instrument: " << kMarker << " is declared with a non-integer type in "
             << m_.getName() << "; not defined\n";
      return;
    }
    if (!gv)
      gv = new GlobalVariable(m_, i32, /*isConstant=*/true, GlobalValue::WeakAnyLinkage, nullptr, kMarker);
    gv->setInitializer(ConstantInt::get(gv->getValueType(), 1));
    gv->setConstant(true);
    gv->setLinkage(GlobalValue::WeakAnyLinkage);
    gv->setVisibility(GlobalValue::HiddenVisibility);
    gv->setDSOLocal(true);
  }

private:
  FunctionCallee loadFn() {
    return m_.getOrInsertFunction(kLoadFn, nounwind(), i64_, i64p_);
  }
  FunctionCallee storeFn() {
    return m_.getOrInsertFunction(kStoreFn, nounwind(), Type::getVoidTy(ctx_), i64p_, i64_);
  }
  AttributeList nounwind() {
    return AttributeList::get(ctx_, AttributeList::FunctionIndex, {Attribute::NoUnwind});
  }

  // The IRBuilder takes the access's debug location: the call keeps the source line (traces, and the
  // verifier's rule that an inlinable call in a function with debug info has one).
  void rewriteLoad(LoadInst *ld) {
    IRBuilder<> b(ld);
    Value *addr = b.CreatePointerCast(ld->getPointerOperand(), i64p_);
    Value *v = b.CreateCall(loadFn(), {addr});
    if (ld->getType()->isPointerTy())
      v = b.CreateIntToPtr(v, ld->getType());
    v->takeName(ld);
    ld->replaceAllUsesWith(v);
    ld->eraseFromParent();
  }

  void rewriteStore(StoreInst *st) {
    IRBuilder<> b(st);
    Value *addr = b.CreatePointerCast(st->getPointerOperand(), i64p_);
    Value *v = st->getValueOperand();
    if (v->getType()->isPointerTy())
      v = b.CreatePtrToInt(v, i64_);
    b.CreateCall(storeFn(), {addr, v});
    st->eraseFromParent();
  }

  Module &m_;
  const DataLayout &dl_;
  LLVMContext &ctx_;
  IntegerType *i64_;
  PointerType *i64p_;
};

struct PtcAccessInstrumentPass : PassInfoMixin<PtcAccessInstrumentPass> {
  PreservedAnalyses run(Module &m, ModuleAnalysisManager &) {
    if (definesRuntime(m))
      return PreservedAnalyses::all();
    AccessInstrumenter instr(m);
    for (Function &f : m)
      instr.run(f);
    instr.defineMarker();  // always: the module changes even when it has no access to rewrite
    return PreservedAnalyses::none();
  }
  // Runs on optnone (-O0) functions too: instrumentation is not an optimization.
  static bool isRequired() { return true; }
};

}  // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "ptc-access-instrument", "1", [](PassBuilder &pb) {
            // Pipeline start: -O0's pipeline runs these callbacks too (buildO0DefaultPipeline), and at
            // -O1..-O3 it is before any pass that could merge or vectorize the stores.
            pb.registerPipelineStartEPCallback(
                [](ModulePassManager &mpm, OptimizationLevel) { mpm.addPass(PtcAccessInstrumentPass()); });
            pb.registerPipelineParsingCallback(
                [](StringRef name, ModulePassManager &mpm, ArrayRef<PassBuilder::PipelineElement>) {
                  if (name != "ptc-access-instrument")
                    return false;
                  mpm.addPass(PtcAccessInstrumentPass());
                  return true;
                });
          }};
}
